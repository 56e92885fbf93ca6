package dev.raftkit.examples.guide;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Keeps the guide's code samples true: every block in {@code docs/*.md} marked
 * {@code <!-- snippet: path#tag -->} must equal the region between {@code // tag::tag[]} and
 * {@code // end::tag[]} of that source file (path relative to this module), which the build
 * compiles. Run with {@code -Draftkit.guide.update=true} to rewrite the Markdown from the sources
 * instead; review the diff.
 */
class GuideSnippetsTest {

    private static final Path MODULE = Path.of("").toAbsolutePath();
    private static final Path DOCS = MODULE.resolveSibling("docs");
    private static final Pattern SNIPPET = Pattern.compile(
            "<!-- snippet: (\\S+)#(\\S+) -->\\n```(\\w+)\\n(.*?)```\\n<!-- /snippet -->", Pattern.DOTALL);

    @Test
    void everySnippetInTheGuideMatchesItsCompiledSource() throws IOException {
        boolean update = Boolean.getBoolean("raftkit.guide.update");
        List<String> mismatches = new ArrayList<>();
        int snippets = 0;
        for (Path doc : markdownFiles()) {
            String text = Files.readString(doc, StandardCharsets.UTF_8);
            Matcher m = SNIPPET.matcher(text);
            StringBuilder rewritten = new StringBuilder();
            while (m.find()) {
                snippets++;
                String expected = region(MODULE.resolve(m.group(1)), m.group(2));
                if (!expected.equals(m.group(4))) {
                    mismatches.add(DOCS.relativize(doc) + ": snippet " + m.group(1) + "#" + m.group(2)
                            + " differs from its source; expected:\n" + expected);
                }
                m.appendReplacement(rewritten, Matcher.quoteReplacement("<!-- snippet: " + m.group(1) + "#"
                        + m.group(2) + " -->\n```" + m.group(3) + "\n" + expected + "```\n<!-- /snippet -->"));
            }
            m.appendTail(rewritten);
            if (update && !rewritten.toString().equals(text)) {
                Files.writeString(doc, rewritten.toString(), StandardCharsets.UTF_8);
            }
        }
        assertThat(snippets).as("snippets found in " + DOCS).isGreaterThanOrEqualTo(10);
        if (!update) {
            assertThat(mismatches).as("run with -Draftkit.guide.update=true to rewrite them").isEmpty();
        }
    }

    @Test
    void aChangedSampleIsCaught() {
        String doc = "<!-- snippet: src/test/java/dev/raftkit/examples/guide/Reads.java#reads -->\n```java\n"
                + "stale code\n```\n<!-- /snippet -->";
        Matcher m = SNIPPET.matcher(doc);
        assertThat(m.find()).isTrue();
        assertThat(region(MODULE.resolve(m.group(1)), m.group(2))).isNotEqualTo(m.group(4)).contains("readLocal");
    }

    private static List<Path> markdownFiles() throws IOException {
        try (Stream<Path> files = Files.list(DOCS)) {
            return files.filter(p -> p.toString().endsWith(".md")).sorted().toList();
        }
    }

    /** The lines between the tag's markers, without their common indentation, each ending in a newline. */
    static String region(Path source, String tag) {
        List<String> lines;
        try {
            lines = Files.readAllLines(source, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new AssertionError("the guide names " + source + ", which cannot be read: " + e, e);
        }
        int start = indexOf(lines, "// tag::" + tag + "[]", 0, source);
        int end = indexOf(lines, "// end::" + tag + "[]", start, source);
        List<String> body = lines.subList(start + 1, end);
        int indent = body.stream().filter(l -> !l.isBlank())
                .mapToInt(l -> l.length() - l.stripLeading().length()).min().orElse(0);
        StringBuilder out = new StringBuilder();
        for (String line : body) {
            out.append(line.isBlank() ? "" : line.substring(indent)).append('\n');
        }
        return out.toString();
    }

    private static int indexOf(List<String> lines, String marker, int from, Path source) {
        for (int i = from; i < lines.size(); i++) {
            if (lines.get(i).strip().equals(marker)) {
                return i;
            }
        }
        throw new AssertionError(source + " has no line " + marker);
    }
}
