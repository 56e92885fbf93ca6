package dev.raftkit.testkit.toxiproxy.server;

/**
 * An API error with the HTTP status and message that Toxiproxy answers with; the server writes it
 * as {@code {"error": message, "status": status}}.
 */
public final class ApiException extends RuntimeException {

    /** Serialization version. */
    private static final long serialVersionUID = 1L;

    /** The HTTP status to answer with. */
    private final int status;

    /**
     * Creates an error.
     *
     * @param status the HTTP status code
     * @param message the text of the {@code error} field
     */
    public ApiException(int status, String message) {
        super(message);
        this.status = status;
    }

    /** {@return the HTTP status code} */
    public int status() {
        return status;
    }

    static ApiException badRequestBody(String detail) {
        return new ApiException(400, "bad request body: " + detail);
    }

    static ApiException missingField(String field) {
        return new ApiException(400, "missing required field: " + field);
    }

    static ApiException proxyNotFound() {
        return new ApiException(404, "proxy not found");
    }

    static ApiException proxyAlreadyExists() {
        return new ApiException(409, "proxy already exists");
    }

    static ApiException invalidStream() {
        return new ApiException(400, "stream was invalid, can be either upstream or downstream");
    }

    static ApiException invalidToxicType() {
        return new ApiException(400, "invalid toxic type");
    }

    static ApiException toxicAlreadyExists() {
        return new ApiException(409, "toxic already exists");
    }

    static ApiException toxicNotFound() {
        return new ApiException(404, "toxic not found");
    }
}
