package dev.raftkit.testkit.toxiproxy.server;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.StreamWriteFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.math.BigDecimal;

/**
 * The Toxiproxy HTTP API's JSON, read and written with Jackson.
 *
 * <p>Values map to Java as: object to {@code Map<String, Object>} (insertion ordered), array to
 * {@code List<Object>}, string to {@link String}, number to {@link Number} (a whole number to
 * {@link Integer}, {@link Long} or {@link java.math.BigInteger}, any other to {@link BigDecimal}, so
 * no digit is lost), {@code true}/{@code false} to {@link Boolean} and {@code null} to {@code null}.
 * Stateless and thread-safe.
 */
final class Json {

    /** Deeper nesting than any API body needs is refused rather than parsed. */
    static final int MAX_DEPTH = 64;

    private static final JsonMapper MAPPER = JsonMapper.builder(JsonFactory.builder()
                    .streamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(MAX_DEPTH).build())
                    .enable(StreamWriteFeature.WRITE_BIGDECIMAL_AS_PLAIN)
                    .build())
            .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .build();

    private Json() {
    }

    /**
     * Parses one JSON value that makes up the whole text (surrounding whitespace allowed).
     *
     * @param text the JSON text
     * @return the value, typed as described in the class comment
     * @throws IllegalArgumentException naming what was wrong and its offset, if the text is not JSON
     */
    static Object parse(String text) {
        try {
            return MAPPER.readValue(text, Object.class);
        } catch (JsonProcessingException e) {
            JsonLocation at = e.getLocation();
            String where = at == null ? "" : " at offset " + at.getCharOffset();
            throw new IllegalArgumentException("invalid JSON" + where + ": " + e.getOriginalMessage(), e);
        }
    }

    /**
     * Writes a value as compact JSON.
     *
     * @param value maps, lists, strings, numbers, booleans and nulls, as {@link #parse} returns them
     * @return the JSON text
     * @throws IllegalArgumentException if the value (or a nested one) cannot be written as JSON
     */
    static String write(Object value) {
        try {
            return MAPPER.writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("cannot write " + value + " as JSON: " + e.getOriginalMessage(), e);
        }
    }

    /**
     * Returns a number as an exact decimal, for checks such as "is it whole".
     *
     * @param number a number as {@link #parse} returns it
     * @return the same value as a {@link BigDecimal}
     */
    static BigDecimal decimal(Number number) {
        return number instanceof BigDecimal d ? d : new BigDecimal(number.toString());
    }

    /**
     * Returns a {@code float} as the shortest JSON number that reads back as it ({@code 1}, not
     * {@code 1.0}), as Toxiproxy writes its {@code toxicity}.
     *
     * @param value a finite float
     * @return the value as a decimal with no trailing zeros
     * @throws IllegalArgumentException if the value is not finite
     */
    static BigDecimal compact(float value) {
        if (!Float.isFinite(value)) {
            throw new IllegalArgumentException("JSON cannot hold the number " + value);
        }
        return new BigDecimal(Float.toString(value)).stripTrailingZeros();
    }
}
