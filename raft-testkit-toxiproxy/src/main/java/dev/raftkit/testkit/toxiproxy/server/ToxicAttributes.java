package dev.raftkit.testkit.toxiproxy.server;

import java.util.Map;

/** Reads integer toxic attributes from API JSON, with Toxiproxy's error for a bad value. */
final class ToxicAttributes {

    private ToxicAttributes() {
    }

    /**
     * Returns the attribute's new value, or the current one when {@code changes} does not name it.
     *
     * @throws ApiException (400) if the value is not a whole number or is negative
     */
    static long read(Map<String, Object> changes, String key, long current) {
        if (!changes.containsKey(key)) {
            return current;
        }
        Object value = changes.get(key);
        if (!(value instanceof Number number)) {
            throw ApiException.badRequestBody("attribute " + key + " must be a number, got " + value);
        }
        long result;
        try {
            result = Json.decimal(number).longValueExact();
        } catch (ArithmeticException e) {
            throw ApiException.badRequestBody("attribute " + key + " must be a whole number, got " + number);
        }
        if (result < 0) {
            throw ApiException.badRequestBody("attribute " + key + " must not be negative, got " + result);
        }
        return result;
    }
}
