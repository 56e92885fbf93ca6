package dev.raftkit.it.process;

import dev.raftkit.GroupId;
import dev.raftkit.NodeId;
import dev.raftkit.Role;
import dev.raftkit.SessionId;
import dev.raftkit.it.harness.FailureKind;
import dev.raftkit.it.harness.Ledger;
import dev.raftkit.it.harness.NodeObservation;
import dev.raftkit.it.harness.OperationException;
import dev.raftkit.testkit.kv.KvCommand;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Pattern;

/**
 * The line protocol between the test and a node process ({@link NodeMain}) or a host process
 * ({@link HostMain}): one request line, one reply line, on a loopback TCP connection. Keys and
 * values are tokens of {@code [A-Za-z0-9_.-]}. A host process answers the node requests below for
 * one of its groups when they are prefixed with {@code @<group> }.
 *
 * <pre>
 * PING                                              OK &lt;incarnation&gt;   (the process is up)
 * &#64;&lt;group&gt; &lt;request&gt;                              the reply of that group's node to &lt;request&gt;
 * WRITE &lt;timeoutMs&gt; PUT &lt;key&gt; &lt;value&gt;              OK &lt;response&gt;
 * WRITE &lt;timeoutMs&gt; CAS &lt;key&gt; &lt;expected&gt; &lt;value&gt;   OK true|false
 * OPEN &lt;timeoutMs&gt;                                  OK &lt;session&gt;   (openSession)
 * SWRITE &lt;timeoutMs&gt; &lt;session&gt; &lt;sequence&gt; PUT|CAS ... OK &lt;response&gt;   (write(session, sequence, command))
 * READ &lt;timeoutMs&gt; &lt;key&gt;                          OK V &lt;value&gt; | OK ABSENT   (readLinearizable)
 * STATUS                                            OK &lt;incarnation&gt; &lt;role&gt; &lt;term&gt; &lt;leader|-&gt; &lt;commit&gt; &lt;applied&gt;
 * LEDGER &lt;timeoutMs&gt;                                OK &lt;lastIndex&gt; &lt;k=v,...|-&gt; &lt;tokens,...|-&gt; &lt;duplicates,...|-&gt;   (readLocal)
 * any failure                                       ERR &lt;FailureKind&gt; &lt;leaderHint|-&gt; &lt;mayHaveCommitted&gt; &lt;message&gt;
 * </pre>
 *
 * Both sides use this class, so the encoding lives in one place.
 */
final class ControlProtocol {

    private static final Pattern TOKEN = Pattern.compile("[A-Za-z0-9_.-]+");
    private static final String NONE = "-";

    private ControlProtocol() {
    }

    // ---- requests (test side) ----

    static String writeRequest(KvCommand command, Duration timeout) {
        return "WRITE " + timeout.toMillis() + " " + command(command);
    }

    static String openSessionRequest(Duration timeout) {
        return "OPEN " + timeout.toMillis();
    }

    static String sessionWriteRequest(SessionId session, long sequence, KvCommand command, Duration timeout) {
        return "SWRITE " + timeout.toMillis() + " " + session.value() + " " + sequence + " " + command(command);
    }

    private static String command(KvCommand command) {
        return switch (command.kind()) {
            case PUT -> "PUT " + token(command.key()) + " " + token(command.value());
            case CAS -> "CAS " + token(command.key()) + " " + token(command.expected()) + " " + token(command.value());
            case DELETE -> throw new IllegalArgumentException("the control protocol carries no deletes: " + command);
        };
    }

    static String readRequest(String key, Duration timeout) {
        return "READ " + timeout.toMillis() + " " + token(key);
    }

    static String pingRequest() {
        return "PING";
    }

    /** Addresses {@code request} to the node of {@code group} in a host process. */
    static String toGroup(GroupId group, String request) {
        return "@" + group + " " + request;
    }

    static String statusRequest() {
        return "STATUS";
    }

    static String ledgerRequest(Duration timeout) {
        return "LEDGER " + timeout.toMillis();
    }

    // ---- replies (node side) ----

    static String ok(String payload) {
        return "OK " + payload;
    }

    static String error(OperationException e) {
        String message = String.valueOf(e.getMessage()).replace('\n', ' ').replace('\r', ' ');
        return "ERR " + e.kind() + " " + e.leaderHint().map(NodeId::value).orElse(NONE) + " "
                + !e.writeCertainlyNotApplied() + " " + message;
    }

    static String readReply(Optional<String> value) {
        return ok(value.map(v -> "V " + v).orElse("ABSENT"));
    }

    static String statusReply(NodeObservation o) {
        return ok(o.incarnation() + " " + o.role() + " " + o.term() + " " + o.leader().map(NodeId::value).orElse(NONE)
                + " " + o.commitIndex() + " " + o.appliedIndex());
    }

    static String ledgerReply(Ledger ledger) {
        List<String> data = new ArrayList<>();
        ledger.data().forEach((k, v) -> data.add(k + "=" + v));
        return ok(ledger.lastAppliedIndex() + " " + list(data) + " " + list(ledger.appliedTokens()) + " "
                + list(ledger.duplicates()));
    }

    // ---- parsing replies (test side) ----

    /**
     * Returns the payload of an {@code OK} reply.
     *
     * @throws OperationException carrying the node's failure for an {@code ERR} reply
     * @throws IllegalStateException for anything else
     */
    static String payload(NodeId node, String reply) throws OperationException {
        if (reply.startsWith("OK ")) {
            return reply.substring(3);
        }
        if (reply.startsWith("ERR ")) {
            String[] parts = reply.split(" ", 5);
            NodeId hint = parts[2].equals(NONE) ? null : NodeId.of(parts[2]);
            throw new OperationException(FailureKind.valueOf(parts[1]), hint, Boolean.parseBoolean(parts[3]),
                    node + " answered: " + (parts.length > 4 ? parts[4] : ""), null);
        }
        throw new IllegalStateException(node + " sent a malformed reply: " + reply);
    }

    static Optional<String> parseRead(String payload) {
        return payload.equals("ABSENT") ? Optional.empty() : Optional.of(payload.substring(2));
    }

    static NodeObservation parseStatus(NodeId node, String payload) {
        String[] f = payload.split(" ");
        return new NodeObservation(node, f[0], Role.valueOf(f[1]), Long.parseLong(f[2]),
                f[3].equals(NONE) ? Optional.empty() : Optional.of(NodeId.of(f[3])), Long.parseLong(f[4]),
                Long.parseLong(f[5]));
    }

    static Ledger parseLedger(String payload) {
        String[] f = payload.split(" ");
        Map<String, String> data = new TreeMap<>();
        for (String pair : parseList(f[1])) {
            int eq = pair.indexOf('=');
            data.put(pair.substring(0, eq), pair.substring(eq + 1));
        }
        Set<String> tokens = new TreeSet<>(parseList(f[2]));
        return Ledger.of(Long.parseLong(f[0]), data, tokens, parseList(f[3]));
    }

    // ---- parsing requests (node side) ----

    /** A parsed request: its verb and its arguments. */
    record Request(String verb, List<String> arguments) {

        Duration timeout() {
            return Duration.ofMillis(Long.parseLong(arguments.get(0)));
        }
    }

    /** A request line addressed to one group of a host: the group and the node request. */
    record GroupRequest(GroupId group, String request) {
    }

    /**
     * Splits a line addressed with {@link #toGroup}.
     *
     * @return the group and its request, or empty if the line is not addressed to a group
     * @throws IllegalArgumentException if the group id is invalid or no request follows it
     */
    static Optional<GroupRequest> parseGroupRequest(String line) {
        if (!line.startsWith("@")) {
            return Optional.empty();
        }
        int space = line.indexOf(' ');
        if (space < 0) {
            throw new IllegalArgumentException("no request after the group in '" + line + "'");
        }
        return Optional.of(new GroupRequest(GroupId.of(line.substring(1, space)), line.substring(space + 1)));
    }

    static Request parseRequest(String line) {
        List<String> words = Arrays.asList(line.trim().split(" "));
        return new Request(words.get(0), words.subList(1, words.size()));
    }

    /** A parsed {@code SWRITE} request: the session, the sequence and the command. */
    record SessionWrite(SessionId session, long sequence, KvCommand command) {
    }

    static KvCommand parseWrite(Request request) {
        return parseCommand(request.arguments().subList(1, request.arguments().size()));
    }

    static SessionWrite parseSessionWrite(Request request) {
        List<String> a = request.arguments();
        return new SessionWrite(new SessionId(Long.parseLong(a.get(1))), Long.parseLong(a.get(2)),
                parseCommand(a.subList(3, a.size())));
    }

    static SessionId parseSession(String payload) {
        return new SessionId(Long.parseLong(payload));
    }

    private static KvCommand parseCommand(List<String> words) {
        return switch (words.get(0)) {
            case "PUT" -> KvCommand.put(words.get(1), words.get(2));
            case "CAS" -> KvCommand.cas(words.get(1), words.get(2), words.get(3));
            default -> throw new IllegalArgumentException("unknown write kind " + words.get(0));
        };
    }

    private static String token(String value) {
        if (!TOKEN.matcher(value).matches()) {
            throw new IllegalArgumentException("'" + value + "' is not a token of [A-Za-z0-9_.-]");
        }
        return value;
    }

    private static String list(Collection<String> values) {
        return values.isEmpty() ? NONE : String.join(",", values);
    }

    private static List<String> parseList(String field) {
        return field.equals(NONE) ? List.of() : Arrays.asList(field.split(","));
    }
}
