package dev.raftkit.core;

import static dev.raftkit.core.OneNode.failureOf;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.raftkit.Codec;
import dev.raftkit.SessionExpiredException;
import dev.raftkit.SessionId;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/**
 * Sessions through one node in virtual time ({@link OneNode}): they need a response codec; a retried
 * sequence applies once and answers with the recorded response; a closed session, or one unused for
 * the session timeout of log time, rejects its writes without applying them.
 */
class SessionsTest {

    private static OneNode withSessions(Duration timeout) {
        return new OneNode(b -> b.sessionTimeout(timeout), Optional.of(Codec.utf8()));
    }

    private static SessionId open(OneNode n) {
        CompletableFuture<SessionId> session = n.node.openSession();
        n.runtime.settle();
        return session.join();
    }

    private static CompletableFuture<String> write(OneNode n, SessionId session, long sequence, String command) {
        CompletableFuture<String> future = n.track(command, n.node.write(session, sequence, command));
        n.runtime.settle();
        return future;
    }

    @Test
    void withoutAResponseCodecOpenSessionFailsAtOnceOnAnyRole() {
        OneNode n = new OneNode(); // not elected: a follower
        CompletableFuture<SessionId> asFollower = n.node.openSession();
        assertThat(failureOf(asFollower)).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("responseCodec");
        n.elected();
        assertThat(failureOf(n.node.openSession())).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("responseCodec");
    }

    @Test
    void aRetriedSequenceAppliesOnceAndAnswersWithTheRecordedResponse() {
        OneNode n = withSessions(Duration.ofMinutes(10)).elected();
        SessionId session = open(n);
        String first = write(n, session, 1, "a").join();
        String retry = write(n, session, 1, "a-retried").join();
        String second = write(n, session, 2, "b").join();

        assertThat(retry).isEqualTo(first);
        assertThat(n.events).containsExactly("applied a", "answered a", "answered a-retried", "applied b",
                "answered b");
        assertThat(second).startsWith("b@");
        assertThat(session.value()).isLessThan(Long.parseLong(first.substring(2)));
    }

    @Test
    void aClosedSessionRejectsItsWritesWithoutApplyingThem() {
        OneNode n = withSessions(Duration.ofMinutes(10)).elected();
        SessionId session = open(n);
        write(n, session, 1, "a").join();
        CompletableFuture<Void> closed = n.node.closeSession(session);
        n.runtime.settle();
        closed.join();
        Throwable rejected = failureOf(write(n, session, 2, "b"));

        assertThat(rejected).isInstanceOf(SessionExpiredException.class).hasMessageContaining("session");
        assertThat(((SessionExpiredException) rejected).mayHaveCommitted()).isFalse();
        assertThat(n.events).doesNotContain("applied b");
    }

    @Test
    void aSessionUnusedForTheTimeoutExpiresAndAUsedOneDoesNot() {
        OneNode n = withSessions(Duration.ofSeconds(1)).elected();
        SessionId idle = open(n);
        SessionId busy = open(n);
        for (int i = 1; i <= 3; i++) {
            n.runtime.advance(Duration.ofMillis(400).toNanos());
            write(n, busy, i, "busy" + i).join();
        }
        Throwable rejected = failureOf(write(n, idle, 1, "late"));

        assertThat(rejected).isInstanceOf(SessionExpiredException.class);
        assertThat(((SessionExpiredException) rejected).mayHaveCommitted()).isFalse();
        assertThat(write(n, busy, 4, "busy4").join()).startsWith("busy4@");
        assertThat(n.events).doesNotContain("applied late");
    }

    @Test
    void aSequenceBelowOneIsRefusedByName() {
        OneNode n = withSessions(Duration.ofMinutes(10)).elected();
        SessionId session = open(n);
        assertThatThrownBy(() -> n.node.write(session, 0, "a")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("start at 1");
    }
}
