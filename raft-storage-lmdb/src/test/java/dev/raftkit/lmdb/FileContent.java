package dev.raftkit.lmdb;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Finds bytes in files, for tests that check where data was written or damage it in place. */
final class FileContent {

    private FileContent() {
    }

    /** Returns whether {@code file} contains {@code content}. */
    static boolean contains(Path file, byte[] content) throws IOException {
        return indexOf(Files.readAllBytes(file), content, 0) >= 0;
    }

    /** Returns the first position at or after {@code from} where {@code needle} stands in {@code haystack}, or -1. */
    static int indexOf(byte[] haystack, byte[] needle, int from) {
        outer:
        for (int i = from; i <= haystack.length - needle.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (haystack[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }

    /**
     * Flips one byte in the middle of every occurrence of {@code content} in {@code file}: LMDB's
     * copy-on-write pages may leave stale copies beside the live one.
     */
    static void flipByteInside(Path file, byte[] content) throws IOException {
        byte[] bytes = Files.readAllBytes(file);
        int found = 0;
        for (int at = FileContent.indexOf(bytes, content, 0); at >= 0;
                at = FileContent.indexOf(bytes, content, at + 1)) {
            bytes[at + content.length / 2] ^= 0x5A;
            found++;
        }
        assertThat(found).as("occurrences of the content in %s", file).isPositive();
        Files.write(file, bytes);
    }
}
