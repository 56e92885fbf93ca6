package dev.raftkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class AddressTest {

    @Test
    void parsesHostAndPort() {
        Address address = Address.parse("localhost:9000");
        assertThat(address.host()).isEqualTo("localhost");
        assertThat(address.port()).isEqualTo(9000);
        assertThat(address).hasToString("localhost:9000");
    }

    @Test
    void parsesBracketedIpv6AndPrintsItBack() {
        Address address = Address.parse("[::1]:7000");
        assertThat(address.host()).isEqualTo("::1");
        assertThat(address).hasToString("[::1]:7000");
        assertThat(Address.parse(address.toString())).isEqualTo(address);
    }

    @ParameterizedTest
    @ValueSource(strings = {"localhost", "localhost:", ":9000", "host:abc", "host:0", "host:65536", "::1:9000"})
    void rejectsMalformedTextNamingIt(String text) {
        assertThatThrownBy(() -> Address.parse(text))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("invalid address");
    }

    @Test
    void rejectsBlankHost() {
        assertThatThrownBy(() -> new Address(" ", 80)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("host");
    }
}
