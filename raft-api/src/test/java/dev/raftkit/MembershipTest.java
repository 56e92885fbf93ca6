package dev.raftkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import org.junit.jupiter.api.Test;

class MembershipTest {

    private static final NodeId A = NodeId.of("a");
    private static final NodeId B = NodeId.of("b");
    private static final Address ADDR_A = Address.parse("h:1");
    private static final Address ADDR_B = Address.parse("h:2");

    @Test
    void answersMembershipQuestions() {
        Membership m = new Membership(3, Map.of(A, ADDR_A), Map.of(B, ADDR_B));
        assertThat(m.members()).containsExactly(A, B);
        assertThat(m.isVoter(A)).isTrue();
        assertThat(m.isVoter(B)).isFalse();
        assertThat(m.isMember(B)).isTrue();
        assertThat(m.addressOf(B)).contains(ADDR_B);
        assertThat(m.addressOf(NodeId.of("c"))).isEmpty();
        assertThat(m.addresses()).containsEntry(A, ADDR_A).containsEntry(B, ADDR_B);
    }

    @Test
    void rejectsInconsistentConfigurations() {
        assertThatThrownBy(() -> new Membership(0, Map.of(), Map.of())).hasMessageContaining("at least one voter");
        assertThatThrownBy(() -> new Membership(0, Map.of(A, ADDR_A), Map.of(A, ADDR_A)))
                .hasMessageContaining("both voter and learner");
        assertThatThrownBy(() -> new Membership(-1, Map.of(A, ADDR_A), Map.of())).hasMessageContaining(">= 0");
    }
}
