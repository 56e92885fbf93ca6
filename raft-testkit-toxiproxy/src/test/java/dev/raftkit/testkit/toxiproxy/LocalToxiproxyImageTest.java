package dev.raftkit.testkit.toxiproxy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.raftkit.testkit.toxiproxy.server.ToxiproxyServer;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The local image's application files run the server without Docker: this JDK, limited to the
 * modules the image's JRE has, runs them with the image's class path and answers the JSON API.
 */
class LocalToxiproxyImageTest {

    private static final Duration TIMEOUT = Duration.ofSeconds(30);
    private static final Pattern LISTENING = Pattern.compile("listening on 127\\.0\\.0\\.1:(\\d+)");

    @Test
    void applicationFilesServeTheJsonApiWithOnlyTheImagesModules(@TempDir Path root) throws Exception {
        LocalToxiproxyImage.writeApplication(root);
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        Process server = new ProcessBuilder(List.of(java.toString(),
                "--limit-modules", LocalToxiproxyImage.JRE_MODULES,
                "-cp", LocalToxiproxyImage.classPath(root),
                ToxiproxyServer.class.getName(), "-host=127.0.0.1", "-port=0"))
                .redirectErrorStream(true).start();
        try {
            BufferedReader output = new BufferedReader(
                    new InputStreamReader(server.getInputStream(), StandardCharsets.UTF_8));
            String line = output.readLine();
            Matcher listening = LISTENING.matcher(String.valueOf(line));
            assertThat(listening.find()).as("the server's first line of output: %s", line).isTrue();
            String api = "http://127.0.0.1:" + listening.group(1);

            HttpClient http = HttpClient.newBuilder().connectTimeout(TIMEOUT).build();
            HttpResponse<String> created = http.send(HttpRequest.newBuilder(URI.create(api + "/proxies"))
                    .POST(HttpRequest.BodyPublishers.ofString(
                            "{\"name\":\"p\",\"listen\":\"127.0.0.1:0\",\"upstream\":\"127.0.0.1:1\"}"))
                    .timeout(TIMEOUT).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
            assertThat(created.body()).contains("\"name\":\"p\"", "\"upstream\":\"127.0.0.1:1\"");
        } finally {
            server.destroy();
            if (!server.waitFor(TIMEOUT.toSeconds(), TimeUnit.SECONDS)) {
                server.destroyForcibly();
            }
        }
    }
}
