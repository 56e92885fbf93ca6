package dev.raftkit.testkit.toxiproxy.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.math.BigDecimal;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ToxiproxyJsonTest {

    @Test
    void parsesEveryKindOfValue() {
        Object value = Json.parse(" {\"a\": [1, -2.5e1, true, false, null], \"b\": {\"c\": \"x\\\"y\\u0041\\n\"}} ");
        assertThat(value).isEqualTo(Map.of(
                "a", java.util.Arrays.asList(new BigDecimal("1"), new BigDecimal("-2.5e1"), true, false, null),
                "b", Map.of("c", "x\"yA\n")));
    }

    @Test
    void writesCompactJsonThatParsesBack() {
        Map<String, Object> value = new LinkedHashMap<>();
        value.put("name", "p\"1\\");
        value.put("n", 3L);
        value.put("f", 1.0f);
        value.put("half", 0.5f);
        value.put("list", List.of(true, "\u0001"));
        value.put("none", null);
        String text = Json.write(value);
        assertThat(text).isEqualTo("{\"name\":\"p\\\"1\\\\\",\"n\":3,\"f\":1,\"half\":0.5,\"list\":[true,\"\\u0001\"],"
                + "\"none\":null}");
        assertThat(Json.parse(text)).isEqualTo(Json.parse(Json.write(Json.parse(text))));
    }

    @Test
    void rejectsMalformedTextNamingThePosition() {
        assertThatThrownBy(() -> Json.parse("{\"a\" 1}")).hasMessageContaining("offset 5").hasMessageContaining("':'");
        assertThatThrownBy(() -> Json.parse("[1,]")).hasMessageContaining("a value");
        assertThatThrownBy(() -> Json.parse("{} x")).hasMessageContaining("end of input");
        assertThatThrownBy(() -> Json.parse("\"open")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Json.parse("01x")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Json.parse("[".repeat(100))).hasMessageContaining("nested deeper");
    }

    @Test
    void refusesToWriteWhatJsonCannotHold() {
        assertThatThrownBy(() -> Json.write(new Object())).hasMessageContaining("java.lang.Object");
        assertThatThrownBy(() -> Json.write(Double.NaN)).hasMessageContaining("NaN");
        assertThatThrownBy(() -> Json.write(Map.of(1, 2))).hasMessageContaining("keys must be strings");
    }
}
