package dev.raftkit.examples.kv;

import java.net.URLDecoder;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;

/**
 * The client protocol of the example, one request line and one response line, UTF-8, fields
 * separated by one space and URL-encoded ({@code ~} stands for "none"):
 *
 * <pre>
 * GROUPS                             OK true count          (how many groups the server runs: 1 unless sharded)
 * OPEN [group]                       OK true session        (opens a session in the group, 0 if not named,
 *                                                             through its log; the token is GROUP.ID)
 * PUT session seq key value          OK applied previous
 * DELETE session seq key             OK applied previous
 * CAS session seq key expected value OK applied previous-or-current
 * GET key                            OK true value          (linearizable, on the leader of the key's group)
 * STATUS [group]                     OK true status-line    (this node's in the group, 0 if not named)
 * a write                            EXPIRED message        (the session is gone: outcome unknown)
 * any request                        REDIRECT leader-or-~   (not the leader of the request's group: retry
 *                                                             there, or elsewhere)
 * any request                        ERROR message
 * </pre>
 *
 * <p>A key's group is {@link KvSharding#groupOf}; a write's session must be of the key's group.
 */
final class LineProtocol {

    static final String NONE = "~";

    private LineProtocol() {
    }

    /** Encodes one field; null becomes {@value #NONE}. */
    static String field(String value) {
        return value == null ? NONE : URLEncoder.encode(value, StandardCharsets.UTF_8);
    }

    /** Decodes one field; {@value #NONE} becomes null. */
    static String value(String field) {
        return NONE.equals(field) ? null : URLDecoder.decode(field, StandardCharsets.UTF_8);
    }

    /** Joins encoded fields into a line. */
    static String line(String verb, String... fields) {
        StringBuilder b = new StringBuilder(verb);
        for (String f : fields) {
            b.append(' ').append(field(f));
        }
        return b.toString();
    }

    /** Splits a line into its verb and its raw (still encoded) fields. */
    static List<String> split(String line) {
        return Arrays.asList(line.strip().split(" "));
    }
}
