package dev.raftkit.lmdb;

import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The {@code lmdb.*} options of the LMDB log store, parsed and checked.
 *
 * <ul>
 *   <li>{@code lmdb.mapSize}: the initial size of the memory map, in bytes or with a binary suffix
 *       ({@code 64MiB}, {@code 1GiB}, {@code 512KiB}); default {@code 256MiB}, at least {@code 64KiB}.
 *       The map doubles by itself when it is full, so this only saves a few early resizes.</li>
 *   <li>{@code lmdb.sync}: how a write is made durable. {@code full} (default) syncs data and meta
 *       page before a call returns: acknowledged writes survive power loss. {@code nometasync}
 *       defers the meta page sync and {@code nosync} skips syncing: both are faster and <b>can lose
 *       acknowledged writes</b> (and, for {@code nosync}, corrupt the store) on power loss or an
 *       operating system crash; use them only for throwaway data.</li>
 *   <li>{@code lmdb.journalSize}: the size of the write-ahead journal that {@code full} uses, written
 *       like {@code lmdb.mapSize}; default {@code 16MiB} for a single node and {@code 64MiB} for a
 *       host, whose one journal carries every group's writes; from {@code 1MiB} to {@code 1GiB}. Each
 *       write is one record appended to this preallocated file and one fdatasync. The file has two
 *       halves; when a quarter of it is used, writing goes on in the other half while a background
 *       thread moves the records into LMDB in one transaction. A larger journal moves less often but
 *       holds more in memory (the records not yet moved) and takes longer to scan at open. A journal
 *       of another size is replaced when the store opens.</li>
 * </ul>
 *
 * @param mapSize the initial map size in bytes, a multiple of 4096
 * @param sync the sync mode
 * @param journalSize the journal's size in bytes, a multiple of 4096
 */
record LmdbOptions(long mapSize, SyncMode sync, long journalSize) {

    /** Option key of the initial map size. */
    static final String MAP_SIZE = "lmdb.mapSize";
    /** Option key of the sync mode. */
    static final String SYNC = "lmdb.sync";
    /** Option key of the journal size. */
    static final String JOURNAL_SIZE = "lmdb.journalSize";
    /** Default initial map size: 256 MiB. */
    static final long DEFAULT_MAP_SIZE = 256L << 20;
    /** Default journal size of a single node: 16 MiB, which one group's writes fill slowly enough. */
    static final long DEFAULT_JOURNAL_SIZE = 16L << 20;
    /**
     * Default journal size of a host: 64 MiB. Its journal takes every group's writes, so a small one
     * fills its half before the background move of the other half ends, and persists wait; and the
     * longer records stay in the journal, the more of them a snapshot compacts away before they
     * ever reach LMDB (raft-bench's {@code groups-write} on three hosts ran 1.7 times as fast as
     * with 16 MiB, with no election under load).
     */
    static final long DEFAULT_HOST_JOURNAL_SIZE = 64L << 20;

    private static final long MIN_MAP_SIZE = 64L << 10;
    private static final long MIN_JOURNAL_SIZE = 1L << 20;
    private static final long MAX_JOURNAL_SIZE = 1L << 30;
    private static final String PREFIX = "lmdb.";
    private static final Pattern SIZE = Pattern.compile("(\\d{1,15})\\s*(|KiB|MiB|GiB|TiB)");

    /** How LMDB makes a committed transaction durable. */
    enum SyncMode {
        /** Data and meta page synced before commit returns: durable. */
        FULL,
        /** Meta page sync deferred: the last commits can be lost on power loss. */
        NOMETASYNC,
        /** No sync at all: commits can be lost, and the store corrupted, on power loss. */
        NOSYNC
    }

    /**
     * Reads a single node's {@code lmdb.*} entries of {@code options}, ignoring keys of other providers.
     *
     * @param options every option of the node
     * @return the parsed options, defaults for those not set
     * @throws IllegalArgumentException naming the option when a key is unknown or a value invalid
     */
    static LmdbOptions parse(Map<String, String> options) {
        return parse(options, DEFAULT_JOURNAL_SIZE);
    }

    /**
     * Reads a host's {@code lmdb.*} entries of {@code options}, as {@link #parse(Map)} does, with the
     * host's default journal size.
     *
     * @param options every option of the host
     * @return the parsed options, defaults for those not set
     * @throws IllegalArgumentException naming the option when a key is unknown or a value invalid
     */
    static LmdbOptions parseHost(Map<String, String> options) {
        return parse(options, DEFAULT_HOST_JOURNAL_SIZE);
    }

    private static LmdbOptions parse(Map<String, String> options, long defaultJournalSize) {
        long mapSize = DEFAULT_MAP_SIZE;
        SyncMode sync = SyncMode.FULL;
        long journalSize = defaultJournalSize;
        for (Map.Entry<String, String> option : options.entrySet()) {
            String key = option.getKey();
            if (!key.startsWith(PREFIX)) {
                continue;
            }
            String value = option.getValue().trim();
            switch (key) {
                case MAP_SIZE -> mapSize = parseSize(MAP_SIZE, value, MIN_MAP_SIZE, Long.MAX_VALUE);
                case SYNC -> sync = parseSync(value);
                case JOURNAL_SIZE -> journalSize = parseSize(JOURNAL_SIZE, value, MIN_JOURNAL_SIZE, MAX_JOURNAL_SIZE);
                default -> throw new IllegalArgumentException("unknown option " + key + "; the lmdb log store knows "
                        + MAP_SIZE + ", " + SYNC + " and " + JOURNAL_SIZE);
            }
        }
        return new LmdbOptions(mapSize, sync, journalSize);
    }

    /** Parses the size option {@code key}, rounded up to a multiple of 4096, within {@code [min, max]}. */
    private static long parseSize(String key, String value, long min, long max) {
        Matcher m = SIZE.matcher(value);
        if (!m.matches()) {
            throw new IllegalArgumentException(key + " must be a byte count, optionally with KiB, MiB, GiB or TiB"
                    + " (e.g. 268435456 or 256MiB), was '" + value + "'");
        }
        int shift = switch (m.group(2)) {
            case "KiB" -> 10;
            case "MiB" -> 20;
            case "GiB" -> 30;
            case "TiB" -> 40;
            default -> 0;
        };
        long number = Long.parseLong(m.group(1));
        if (number > (Long.MAX_VALUE >> (shift + 1))) {
            throw new IllegalArgumentException(key + " is too large: '" + value + "'");
        }
        long bytes = number << shift;
        if (bytes < min) {
            throw new IllegalArgumentException(key + " must be at least " + binary(min) + ", was '" + value + "'");
        }
        if (bytes > max) {
            throw new IllegalArgumentException(key + " must be at most " + binary(max) + ", was '" + value + "'");
        }
        return (bytes + 4095) & ~4095L;
    }

    /** Writes a power of two of at least 1 KiB with its binary suffix, as the messages quote sizes. */
    private static String binary(long bytes) {
        int shift = 63 - Long.numberOfLeadingZeros(bytes);
        return (bytes >> (shift / 10 * 10)) + List.of("", "KiB", "MiB", "GiB").get(shift / 10);
    }

    private static SyncMode parseSync(String value) {
        try {
            return SyncMode.valueOf(value.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(SYNC + " must be full, nometasync or nosync, was '" + value + "'", e);
        }
    }
}
