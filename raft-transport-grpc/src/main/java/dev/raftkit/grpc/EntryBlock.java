package dev.raftkit.grpc;

import com.google.protobuf.ByteString;
import com.google.protobuf.CodedInputStream;
import com.google.protobuf.CodedOutputStream;
import com.google.protobuf.UnsafeByteOperations;
import dev.raftkit.spi.EntryKind;
import dev.raftkit.spi.LogEntry;
import dev.raftkit.spi.RaftMessage;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * The entries of an AppendEntries packed into one {@code bytes} field ({@code entry_block}): the
 * entry count, then per entry its term, kind code and payload length as varints, then the payload.
 * Indexes are not sent: the entries run from {@code prevLogIndex + 1}.
 *
 * <p>Replaces one protobuf message per entry, whose builders, objects and copies made up about a
 * third of the bytes a node allocated per replicated write (raft-bench/README.md, issue 19): encoding
 * writes one exact array, decoding reads it in place and copies each payload once.
 *
 * <p>Decoding refuses, with {@link InvalidMessageException} naming it, a block that ends inside an
 * entry, has bytes after the last entry, counts more entries than its bytes can hold, or carries a
 * term outside {@code [1, }{@link RaftMessage#MAX_TERM}{@code ]} or an unknown kind. Stateless.
 */
final class EntryBlock {

    /** The fewest bytes an entry takes: one byte each for its term, kind and (empty) payload length. */
    private static final int MIN_ENTRY_BYTES = 3;
    /** The most entries a decoded list is sized for before they are read. */
    private static final int PRESIZED_ENTRIES = 1024;

    private EntryBlock() {
    }

    /** Packs {@code entries}; the result wraps a new array, never copied again. */
    static ByteString encode(List<LogEntry> entries) {
        int size = CodedOutputStream.computeUInt32SizeNoTag(entries.size());
        for (LogEntry entry : entries) {
            size += CodedOutputStream.computeUInt64SizeNoTag(entry.term())
                    + CodedOutputStream.computeUInt32SizeNoTag(entry.kind().code())
                    + CodedOutputStream.computeByteArraySizeNoTag(entry.payload());
        }
        byte[] block = new byte[size];
        CodedOutputStream out = CodedOutputStream.newInstance(block);
        try {
            out.writeUInt32NoTag(entries.size());
            for (LogEntry entry : entries) {
                out.writeUInt64NoTag(entry.term());
                out.writeUInt32NoTag(entry.kind().code());
                out.writeByteArrayNoTag(entry.payload());
            }
            out.checkNoSpaceLeft();
        } catch (IOException e) {
            throw new IllegalStateException("entry block sized wrongly", e); // sizes are computed above
        }
        return UnsafeByteOperations.unsafeWrap(block);
    }

    /**
     * Unpacks a block whose first entry has index {@code prevLogIndex + 1}.
     *
     * @throws InvalidMessageException if the block is malformed (see the class comment)
     */
    static List<LogEntry> decode(long prevLogIndex, ByteString block) throws InvalidMessageException {
        CodedInputStream in = block.newCodedInput();
        try {
            int count = in.readUInt32();
            if (count < 0 || (long) count * MIN_ENTRY_BYTES > block.size()) {
                throw new InvalidMessageException("entry block of " + block.size() + " bytes cannot hold the "
                        + Integer.toUnsignedString(count) + " entries it counts");
            }
            // Sized by what the count claims only up to a bound: a forged count costs no more memory than its entries.
            List<LogEntry> entries = new ArrayList<>(Math.min(count, PRESIZED_ENTRIES));
            for (int i = 0; i < count; i++) {
                long term = in.readUInt64();
                if (term < 1 || term > RaftMessage.MAX_TERM) {
                    throw new InvalidMessageException("entry " + i + " of the block: term must be in [1, "
                            + RaftMessage.MAX_TERM + "], was " + Long.toUnsignedString(term));
                }
                EntryKind kind = EntryKind.ofCode(in.readUInt32());
                entries.add(new LogEntry(prevLogIndex + 1 + i, term, kind, in.readByteArray()));
            }
            if (!in.isAtEnd()) {
                throw new InvalidMessageException("entry block has " + (block.size() - in.getTotalBytesRead())
                        + " bytes after its " + count + " entries");
            }
            return entries;
        } catch (IOException e) {
            throw new InvalidMessageException("entry block is truncated or malformed: " + e.getMessage());
        } catch (IllegalArgumentException e) {
            throw new InvalidMessageException("entry block: " + e.getMessage());
        }
    }
}
