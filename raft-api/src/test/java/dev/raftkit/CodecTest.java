package dev.raftkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class CodecTest {

    @Test
    void bytesIsTheIdentity() {
        byte[] data = {1, 2, 3};
        assertThat(Codec.bytes().encode(data)).isSameAs(data);
        assertThat(Codec.bytes().decode(data)).isSameAs(data);
    }

    @Test
    void utf8RoundTripsNonAscii() {
        Codec<String> codec = Codec.utf8();
        byte[] encoded = codec.encode("grüß 世界");
        assertThat(encoded).isEqualTo("grüß 世界".getBytes(StandardCharsets.UTF_8));
        assertThat(codec.decode(encoded)).isEqualTo("grüß 世界");
    }

    @Test
    void ofComposesTwoFunctions() {
        Codec<Long> codec = Codec.of(v -> ByteBuffer.allocate(8).putLong(v).array(), b -> ByteBuffer.wrap(b).getLong());
        assertThat(codec.decode(codec.encode(-42L))).isEqualTo(-42L);
        assertThat(codec.encode(1L)).hasSize(8);
    }

    @Test
    void ofRejectsNullFunctions() {
        assertThatThrownBy(() -> Codec.of(null, b -> b)).isInstanceOf(NullPointerException.class)
                .hasMessage("encode");
    }
}
