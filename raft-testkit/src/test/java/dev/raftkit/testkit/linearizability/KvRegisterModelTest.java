package dev.raftkit.testkit.linearizability;

import static dev.raftkit.testkit.linearizability.KvInput.cas;
import static dev.raftkit.testkit.linearizability.KvInput.delete;
import static dev.raftkit.testkit.linearizability.KvInput.get;
import static dev.raftkit.testkit.linearizability.KvInput.put;
import static dev.raftkit.testkit.linearizability.KvOutput.absent;
import static dev.raftkit.testkit.linearizability.KvOutput.ack;
import static dev.raftkit.testkit.linearizability.KvOutput.swapped;
import static dev.raftkit.testkit.linearizability.KvOutput.unknown;
import static dev.raftkit.testkit.linearizability.KvOutput.value;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.raftkit.testkit.linearizability.KvRegisterModel.Register;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class KvRegisterModelTest {

    private final KvRegisterModel<String> model = new KvRegisterModel<>();
    private final Register<String> absentKey = Register.absent();
    private final Register<String> holdsA = Register.of("a");

    @Test
    void startsAbsent() {
        assertThat(model.initialState()).isEqualTo(absentKey);
    }

    @Test
    void putAndDeleteSetTheValueWhetherOrNotTheAckWasSeen() {
        assertThat(model.step(absentKey, put("a"), ack())).contains(holdsA);
        assertThat(model.step(absentKey, put("a"), unknown())).contains(holdsA);
        assertThat(model.step(holdsA, delete(), ack())).contains(absentKey);
        assertThat(model.step(holdsA, delete(), unknown())).contains(absentKey);
    }

    @Test
    void getMustMatchTheState() {
        assertThat(model.step(holdsA, get(), value("a"))).contains(holdsA);
        assertThat(model.step(holdsA, get(), value("b"))).isEmpty();
        assertThat(model.step(holdsA, get(), absent())).isEmpty();
        assertThat(model.step(absentKey, get(), absent())).contains(absentKey);
        assertThat(model.step(absentKey, get(), value("a"))).isEmpty();
    }

    @Test
    void getWithUnknownResultMatchesAnyState() {
        assertThat(model.step(holdsA, get(), unknown())).contains(holdsA);
        assertThat(model.step(absentKey, get(), unknown())).contains(absentKey);
    }

    @Test
    void casSwapsExactlyWhenTheValueMatches() {
        assertThat(model.step(holdsA, cas("a", "b"), swapped(true))).contains(Register.of("b"));
        assertThat(model.step(holdsA, cas("a", "b"), swapped(false))).isEmpty();
        assertThat(model.step(holdsA, cas("x", "b"), swapped(false))).contains(holdsA);
        assertThat(model.step(holdsA, cas("x", "b"), swapped(true))).isEmpty();
        assertThat(model.step(absentKey, cas("a", "b"), swapped(false))).contains(absentKey);
        assertThat(model.step(absentKey, cas("a", "b"), swapped(true))).isEmpty();
    }

    @Test
    void casWithUnknownResultTakesEffectOnlyIfItMatches() {
        assertThat(model.step(holdsA, cas("a", "b"), unknown())).contains(Register.of("b"));
        assertThat(model.step(holdsA, cas("x", "b"), unknown())).contains(holdsA);
        assertThat(model.step(absentKey, cas("a", "b"), unknown())).contains(absentKey);
    }

    @Test
    void outputsThatCannotAnswerTheInputAreRecordingErrors() {
        assertThatThrownBy(() -> model.step(absentKey, put("a"), value("a")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("cannot answer put(a)");
        assertThatThrownBy(() -> model.step(absentKey, get(), ack()))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("cannot answer get()");
        assertThatThrownBy(() -> model.step(holdsA, cas("a", "b"), ack()))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("cannot answer cas(a, b)");
        assertThatThrownBy(() -> model.step(holdsA, delete(), swapped(true)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("cannot answer delete()");
    }

    @Test
    void absentAndUnknownAreDistinctOutputs() {
        assertThat(KvOutput.<String>absent()).isNotEqualTo(KvOutput.<String>unknown());
        assertThat(model.unknownOutput()).isEqualTo(unknown()).hasToString("unknown");
        assertThat(KvOutput.<String>absent()).hasToString("absent");
    }

    @Test
    void valuesAndStatesCompareByValue() {
        assertThat(Register.of("a")).isEqualTo(holdsA).hasSameHashCodeAs(holdsA).hasToString("a");
        assertThat(absentKey).isEqualTo(new Register<>(Optional.empty())).hasToString("absent");
        assertThat(KvInput.cas("a", "b")).isEqualTo(cas("a", "b")).hasToString("cas(a, b)");
        assertThat(value("a")).isEqualTo(value("a")).isNotEqualTo(value("b"));
        assertThat(model.describe(holdsA)).isEqualTo("a");
    }

    @Test
    void nullValuesAreRejected() {
        assertThatThrownBy(() -> put(null)).isInstanceOf(NullPointerException.class).hasMessage("value");
        assertThatThrownBy(() -> cas("a", null)).isInstanceOf(NullPointerException.class).hasMessage("update");
        assertThatThrownBy(() -> value(null)).isInstanceOf(NullPointerException.class).hasMessage("value");
    }
}
