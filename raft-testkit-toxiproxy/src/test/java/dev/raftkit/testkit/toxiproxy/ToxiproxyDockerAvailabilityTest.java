package dev.raftkit.testkit.toxiproxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ConditionEvaluationResult;

class ToxiproxyDockerAvailabilityTest {

    @Test
    void runsWhenDockerAnswers() {
        assertThat(DockerAvailability.decide(true, true).isDisabled()).isFalse();
        assertThat(DockerAvailability.decide(true, false).isDisabled()).isFalse();
    }

    @Test
    void skipsWithTheReasonOnADeveloperMachine() {
        ConditionEvaluationResult result = DockerAvailability.decide(false, false);
        assertThat(result.isDisabled()).isTrue();
        assertThat(result.getReason()).hasValueSatisfying(r -> assertThat(r).contains("no Docker engine answers"));
    }

    @Test
    void failsInCi() {
        assertThatThrownBy(() -> DockerAvailability.decide(false, true))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("CI=true");
    }

    @Test
    void imageDefaultsToTheOfficialOneUnlessConfigured() {
        String saved = System.getProperty(ToxiproxyImage.PROPERTY);
        try {
            System.setProperty(ToxiproxyImage.PROPERTY, "example/toxiproxy:1");
            assertThat(ToxiproxyImage.configured()).isEqualTo("example/toxiproxy:1");
            assertThat(ToxiproxyImage.resolve().asCanonicalNameString()).isEqualTo("example/toxiproxy:1");
            System.clearProperty(ToxiproxyImage.PROPERTY);
            String env = System.getenv(ToxiproxyImage.ENVIRONMENT);
            assertThat(ToxiproxyImage.configured())
                    .isEqualTo(env == null || env.isBlank() ? ToxiproxyImage.OFFICIAL : env.trim());
        } finally {
            if (saved == null) {
                System.clearProperty(ToxiproxyImage.PROPERTY);
            } else {
                System.setProperty(ToxiproxyImage.PROPERTY, saved);
            }
        }
    }
}
