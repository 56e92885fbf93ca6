package dev.raftkit.examples.kv;

/**
 * What a {@link KvCommand} did.
 *
 * @param applied whether the store changed as asked: always for put and delete, for a
 *     compare-and-set only when the key held the expected value
 * @param value the key's value before the command (put, delete), or its value now when a
 *     compare-and-set failed; null when absent
 */
public record KvResult(boolean applied, String value) {
}
