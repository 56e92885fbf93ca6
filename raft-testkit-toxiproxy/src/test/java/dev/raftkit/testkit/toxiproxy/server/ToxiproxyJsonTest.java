package dev.raftkit.testkit.toxiproxy.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** How the server's JSON settings shape what the API reads and writes. */
class ToxiproxyJsonTest {

    @Test
    void parsesEveryKindOfValueWithoutLosingDigits() {
        Object value = Json.parse(" {\"a\": [1, -2.5e1, 0.1, true, false, null], \"b\": {\"c\": \"x\\\"y\\u0041\\n\"}} ");
        assertThat(value).isEqualTo(Map.of(
                "a", Arrays.asList(1, new BigDecimal("-2.5e1"), new BigDecimal("0.1"), true, false, null),
                "b", Map.of("c", "x\"yA\n")));
        assertThat(Json.parse("{\"z\":1,\"a\":2}")).asString().isEqualTo("{z=1, a=2}");
    }

    @Test
    void decimalIsExactForEveryNumberParseReturns() {
        assertThat(Json.decimal(7)).isEqualByComparingTo("7");
        assertThat(Json.decimal(1L << 40)).isEqualByComparingTo("1099511627776");
        assertThat(Json.decimal(BigInteger.TEN.pow(30))).isEqualByComparingTo("1e30");
        assertThat(Json.decimal((Number) Json.parse("2.50"))).isEqualTo(new BigDecimal("2.50"));
    }

    @Test
    void writesCompactJsonWithFloatsAsToxiproxyWritesThem() {
        Map<String, Object> value = new LinkedHashMap<>();
        value.put("name", "p\"1\\");
        value.put("n", 3L);
        value.put("f", Json.compact(1.0f));
        value.put("half", Json.compact(0.5f));
        value.put("tenth", Json.compact(0.1f));
        value.put("ten", Json.compact(10f));
        value.put("list", List.of(true, "\u0001"));
        value.put("none", null);
        String text = Json.write(value);
        assertThat(text).isEqualTo("{\"name\":\"p\\\"1\\\\\",\"n\":3,\"f\":1,\"half\":0.5,\"tenth\":0.1,\"ten\":10,"
                + "\"list\":[true,\"\\u0001\"],\"none\":null}");
        assertThat(Json.write(Json.parse(text))).isEqualTo(text);
    }

    @Test
    void rejectsMalformedTextNamingTheOffset() {
        assertThatThrownBy(() -> Json.parse("{\"a\" 1}")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("invalid JSON at offset 5");
        assertThatThrownBy(() -> Json.parse("[1,]")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Json.parse("{} {}")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("Trailing token");
        assertThatThrownBy(() -> Json.parse("\"open")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Json.parse("01")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Json.parse("NaN")).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void refusesNestingDeeperThanTheLimit() {
        String deepest = "[".repeat(Json.MAX_DEPTH) + "]".repeat(Json.MAX_DEPTH);
        assertThat(Json.parse(deepest)).isInstanceOf(List.class);
        String tooDeep = "[" + deepest + "]";
        assertThatThrownBy(() -> Json.parse(tooDeep)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("nesting depth");
    }

    @Test
    void refusesToWriteWhatJsonCannotHold() {
        assertThatThrownBy(() -> Json.write(new Object())).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("java.lang.Object");
        assertThatThrownBy(() -> Json.compact(Float.NaN)).hasMessageContaining("NaN");
        assertThatThrownBy(() -> Json.compact(Float.POSITIVE_INFINITY)).hasMessageContaining("Infinity");
    }
}
