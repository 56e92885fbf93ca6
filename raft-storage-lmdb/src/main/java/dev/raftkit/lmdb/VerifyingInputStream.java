package dev.raftkit.lmdb;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.zip.CRC32C;

/**
 * Reads a format-1 snapshot file (raw data, see {@link SnapshotFileFormat}) and checks, when the
 * end is reached, that it had the recorded size and CRC32C; a damaged file ends in an
 * {@link IOException} naming it instead of a clean end of stream. A reader that stops early gets no
 * check, which is why {@link SnapshotFileReader} reads the file to the end once before handing it
 * out. Used by one thread at a time.
 */
final class VerifyingInputStream extends FilterInputStream {

    private final CRC32C crc = new CRC32C();
    private final long expectedSize;
    private final long expectedCrc;
    private final Path file;
    private long size;

    VerifyingInputStream(InputStream in, long expectedSize, long expectedCrc, Path file) {
        super(in);
        this.expectedSize = expectedSize;
        this.expectedCrc = expectedCrc;
        this.file = file;
    }

    @Override
    public int read() throws IOException {
        int b = in.read();
        if (b < 0) {
            verify();
        } else {
            crc.update(b);
            size++;
        }
        return b;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        int n = in.read(b, off, len);
        if (n < 0) {
            verify();
        } else {
            crc.update(b, off, n);
            size += n;
        }
        return n;
    }

    @Override
    public long skip(long n) throws IOException {
        // Skipped bytes must still be checked, so they are read, not skipped.
        byte[] discard = new byte[(int) Math.min(8192, Math.max(n, 1))];
        long skipped = 0;
        while (skipped < n) {
            int read = read(discard, 0, (int) Math.min(discard.length, n - skipped));
            if (read < 0) {
                break;
            }
            skipped += read;
        }
        return skipped;
    }

    @Override
    public boolean markSupported() {
        return false;
    }

    private void verify() throws IOException {
        if (size != expectedSize || crc.getValue() != expectedCrc) {
            throw new IOException("snapshot file " + file + " is damaged somewhere in file offsets [0, " + size
                    + ") (format 1 has one CRC32C for the whole file): read " + size + " bytes with CRC32C "
                    + Long.toHexString(crc.getValue()) + ", expected " + expectedSize + " bytes with CRC32C "
                    + Long.toHexString(expectedCrc));
        }
    }
}
