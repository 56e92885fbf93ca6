package dev.raftkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class NodeIdTest {

    @ParameterizedTest
    @ValueSource(strings = {"n1", "A", "node-1.eu_west", "0123456789012345678901234567890123456789012345678901234567890123"})
    void acceptsValidIds(String value) {
        assertThat(NodeId.of(value).value()).isEqualTo(value);
        assertThat(NodeId.of(value).toString()).isEqualTo(value);
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "a b", "n/1", "é", "@", "[", "`", "{", ":", "+", "n\u0000",
        "01234567890123456789012345678901234567890123456789012345678901234"})
    void rejectsInvalidIdsNamingTheValue(String value) {
        assertThatThrownBy(() -> NodeId.of(value))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("\"" + value + "\"")
                .hasMessageContaining("[A-Za-z0-9._-]");
    }

    @Test
    void rejectsNull() {
        assertThatThrownBy(() -> new NodeId(null)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("null");
    }

    @Test
    void comparesByValue() {
        assertThat(NodeId.of("a")).isEqualTo(new NodeId("a")).isLessThan(NodeId.of("b"));
    }
}
