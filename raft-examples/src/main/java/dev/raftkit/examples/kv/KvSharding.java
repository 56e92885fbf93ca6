package dev.raftkit.examples.kv;

import dev.raftkit.GroupId;
import java.nio.charset.StandardCharsets;
import java.util.zip.CRC32;

/**
 * How the sharded key-value store spreads its keys over Raft groups: a key belongs to group
 * {@code CRC32(UTF-8 bytes of the key) mod N}, where N is the number of groups, and group {@code i}
 * is named {@code kv-i}. The hash depends on the key's characters and N only, never on the JVM,
 * the platform's charset or the locale (unlike {@code String.hashCode} of a locale-dependent
 * string), so every server and client, of any version, agrees on where a key lives.
 *
 * <p>Changing N moves most keys to another group; the example does not move data between groups,
 * so a cluster keeps the N it was first started with.
 */
public final class KvSharding {

    /** The prefix of every group's name: group {@code i} is {@code kv-i}. */
    public static final String GROUP_PREFIX = "kv-";

    private KvSharding() {
    }

    /**
     * Returns the group that holds {@code key}.
     *
     * @param key the key
     * @param groups how many groups the store has, at least 1
     * @return the group's index, from 0 to {@code groups - 1}
     * @throws IllegalArgumentException if {@code groups < 1}
     */
    // tag::groupOf[]
    public static int groupOf(String key, int groups) {
        checkGroups(groups);
        CRC32 crc = new CRC32();
        crc.update(key.getBytes(StandardCharsets.UTF_8));  // the key's bytes, whatever the platform's charset
        return (int) (crc.getValue() % groups);            // unsigned 32-bit CRC, mod N
    }
    // end::groupOf[]

    /**
     * Returns the name of group {@code index}.
     *
     * @param index the group's index, at least 0
     * @return {@code kv-index}
     * @throws IllegalArgumentException if {@code index < 0}
     */
    public static GroupId groupId(int index) {
        if (index < 0) {
            throw new IllegalArgumentException("a group index is at least 0, was " + index);
        }
        return GroupId.of(GROUP_PREFIX + index);
    }

    /**
     * Checks a number of groups.
     *
     * @param groups how many groups
     * @return {@code groups}
     * @throws IllegalArgumentException if {@code groups < 1}
     */
    public static int checkGroups(int groups) {
        if (groups < 1) {
            throw new IllegalArgumentException("the number of groups must be at least 1, was " + groups);
        }
        return groups;
    }
}
