package dev.raftkit;

import java.nio.charset.StandardCharsets;
import java.util.Objects;
import java.util.function.Function;

/**
 * Turns commands into the opaque bytes the log stores, and back. The engine never looks inside.
 *
 * <p>{@code decode(encode(v))} must equal {@code v}. {@code decode} runs on every node, and again
 * when a node restarts, so it must accept every value any version of {@code encode} in the cluster
 * produced. Both methods may be called from any thread and must be thread-safe.
 *
 * @param <T> the value type
 */
public interface Codec<T> {

    /**
     * Encodes a value. The engine does not modify or keep a reference to anything but the
     * returned array, and the caller must not modify it afterwards.
     *
     * @param value the value, never null
     * @return its bytes
     */
    byte[] encode(T value);

    /**
     * Decodes bytes produced by {@link #encode}.
     *
     * @param bytes the bytes; do not modify them
     * @return the value
     */
    T decode(byte[] bytes);

    /** {@return the identity codec: commands are byte arrays} */
    static Codec<byte[]> bytes() {
        return of(Function.identity(), Function.identity());
    }

    /** {@return a codec of strings as UTF-8 bytes} */
    static Codec<String> utf8() {
        return of(s -> s.getBytes(StandardCharsets.UTF_8), b -> new String(b, StandardCharsets.UTF_8));
    }

    /**
     * Builds a codec from two functions.
     *
     * @param encode value to bytes
     * @param decode bytes to value
     * @param <T> the value type
     * @return the codec
     */
    static <T> Codec<T> of(Function<? super T, byte[]> encode, Function<byte[], ? extends T> decode) {
        Objects.requireNonNull(encode, "encode");
        Objects.requireNonNull(decode, "decode");
        return new Codec<>() {
            @Override
            public byte[] encode(T value) {
                return encode.apply(value);
            }

            @Override
            public T decode(byte[] bytes) {
                return decode.apply(bytes);
            }
        };
    }
}
