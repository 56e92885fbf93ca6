package dev.raftkit.examples.kv;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.raftkit.GroupId;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/**
 * The key-to-group hash is a fixed function (CRC32 of the UTF-8 bytes, mod N): golden values that
 * any JVM, platform charset or locale must reproduce, since servers and clients of different
 * machines must agree on them and data written under them stays where they put it.
 */
class KvShardingTest {

    @Test
    void aKeyMapsToAFixedGroup() {
        // CRC32("colour") = 4210582990, above Integer.MAX_VALUE: the unsigned value is used.
        assertThat(KvSharding.groupOf("colour", 8)).isEqualTo(6);
        assertThat(KvSharding.groupOf("colour", 3)).isEqualTo(1);
        assertThat(KvSharding.groupOf("a", 8)).isEqualTo(3);
        // CRC32 of the UTF-8 bytes, whatever the platform charset: 245509067.
        assertThat(KvSharding.groupOf("ünïcödé", 8)).isEqualTo(3);
        assertThat(KvSharding.groupOf("", 8)).isZero();
        assertThat(KvSharding.groupOf("colour", 1)).as("one group holds every key").isZero();
    }

    @Test
    void keysSpreadOverEveryGroup() {
        Map<Integer, Long> perGroup = IntStream.range(0, 64).mapToObj(i -> "key-" + i)
                .collect(Collectors.groupingBy(k -> KvSharding.groupOf(k, 8), Collectors.counting()));
        assertThat(perGroup).containsOnlyKeys(0, 1, 2, 3, 4, 5, 6, 7);
        assertThat(perGroup.values()).allSatisfy(n -> assertThat(n).isBetween(4L, 12L));
    }

    @Test
    void groupsAreNamedByIndexAndCountsAreChecked() {
        assertThat(KvSharding.groupId(0)).isEqualTo(GroupId.of("kv-0"));
        assertThat(KvSharding.groupId(17)).isEqualTo(GroupId.of("kv-17"));
        assertThatThrownBy(() -> KvSharding.groupOf("colour", 0)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("at least 1, was 0");
        assertThatThrownBy(() -> KvSharding.groupId(-1)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("was -1");
    }
}
