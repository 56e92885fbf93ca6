package dev.raftkit.testkit.toxiproxy.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.InputStream;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * What our server does beyond the shared Toxiproxy contract: its validation messages, its handling
 * of live connections when toxics change, and its command line.
 */
class ToxiproxyServerTest {

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private ToxiproxyServer server;
    private ServerSocket upstream;

    @BeforeEach
    void start() throws IOException {
        server = ToxiproxyServer.start("127.0.0.1", 0);
        upstream = new ServerSocket(0, 50, java.net.InetAddress.getLoopbackAddress());
    }

    @AfterEach
    void stop() throws IOException {
        server.close();
        upstream.close();
    }

    private HttpResponse<String> send(String method, String path, String body) throws Exception {
        HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + path))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body))
                .timeout(Duration.ofSeconds(5)).build();
        return http.send(request, HttpResponse.BodyHandlers.ofString());
    }

    private void createProxy(String name) throws Exception {
        HttpResponse<String> created = send("POST", "/proxies", "{\"name\":\"" + name
                + "\",\"listen\":\"127.0.0.1:0\",\"upstream\":\"127.0.0.1:" + upstream.getLocalPort() + "\"}");
        assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> object(HttpResponse<String> response) {
        return (Map<String, Object>) Json.parse(response.body());
    }

    @Test
    void versionNamesTheCompatibleRelease() throws Exception {
        assertThat(object(send("GET", "/version", null))).containsEntry("version", ToxiproxyServer.VERSION);
        assertThat(ToxiproxyServer.VERSION).startsWith(ToxiproxyServer.COMPATIBLE_VERSION);
    }

    @Test
    void badAttributesAreRejectedNamingTheAttribute() throws Exception {
        createProxy("p");
        assertThat(object(send("POST", "/proxies/p/toxics", "{\"type\":\"latency\",\"attributes\":{\"latency\":\"slow\"}}"))
                .get("error")).asString().startsWith("bad request body").contains("latency");
        assertThat(object(send("POST", "/proxies/p/toxics", "{\"type\":\"latency\",\"attributes\":{\"latency\":1.5}}"))
                .get("error")).asString().contains("whole number");
        assertThat(object(send("POST", "/proxies/p/toxics", "{\"type\":\"bandwidth\",\"attributes\":{\"rate\":-1}}"))
                .get("error")).asString().contains("must not be negative");
        assertThat(object(send("POST", "/proxies/p/toxics", "{\"type\":\"slicer\",\"attributes\":{\"average_size\":5,"
                + "\"size_variation\":5}}")).get("error")).asString().contains("size_variation must be less than average_size");
        assertThat(send("POST", "/proxies/p/toxics", "{\"type\":\"latency\",\"toxicity\":\"high\"}").statusCode())
                .isEqualTo(400);
        assertThat(send("GET", "/proxies/p/toxics", null).body()).isEqualTo("[]");
    }

    @Test
    void toxicityIsWrittenAsToxiproxyWritesItAndMustFitAFloat() throws Exception {
        createProxy("p");
        assertThat(send("POST", "/proxies/p/toxics", "{\"name\":\"l\",\"type\":\"latency\"}").body())
                .endsWith("\"toxicity\":1}");
        assertThat(send("POST", "/proxies/p/toxics/l", "{\"toxicity\":0.25}").body()).endsWith("\"toxicity\":0.25}");
        HttpResponse<String> huge = send("POST", "/proxies/p/toxics", "{\"type\":\"latency\",\"toxicity\":1e39}");
        assertThat(huge.statusCode()).isEqualTo(400);
        assertThat(object(huge).get("error")).asString().startsWith("bad request body").contains("toxicity");
        assertThat(send("GET", "/proxies/p/toxics", null).statusCode()).isEqualTo(200);
    }

    @Test
    void malformedJsonIsABadRequestNamingWhereItWentWrong() throws Exception {
        assertThat(object(send("POST", "/proxies", "{\"name\" 1}")).get("error")).asString()
                .startsWith("bad request body: invalid JSON at offset 8");
    }

    @Test
    void wrongMethodIsNotAllowedAndEmptyBodyIsABadRequest() throws Exception {
        assertThat(send("DELETE", "/version", null).statusCode()).isEqualTo(405);
        assertThat(send("PUT", "/proxies", "{}").statusCode()).isEqualTo(405);
        assertThat(object(send("POST", "/proxies", "")).get("error")).asString().startsWith("bad request body");
    }

    @Test
    void listenFailureIsReportedAndNothingIsCreated() throws Exception {
        HttpResponse<String> response = send("POST", "/proxies", "{\"name\":\"busy\",\"listen\":\"127.0.0.1:"
                + upstream.getLocalPort() + "\",\"upstream\":\"127.0.0.1:1\"}");
        assertThat(response.statusCode()).isEqualTo(500);
        assertThat(object(response).get("error")).asString().startsWith("listen tcp 127.0.0.1:" + upstream.getLocalPort());
        assertThat(send("GET", "/proxies", null).body()).isEqualTo("{}");
    }

    @Test
    void removingATimeoutToxicClosesTheConnectionsItHeld() throws Exception {
        createProxy("held");
        send("POST", "/proxies/held/toxics", "{\"name\":\"hold\",\"type\":\"timeout\",\"attributes\":{\"timeout\":0}}");
        String listen = (String) object(send("GET", "/proxies/held", null)).get("listen");
        try (Socket client = new Socket("127.0.0.1", Integer.parseInt(listen.substring(listen.lastIndexOf(':') + 1)));
                Socket accepted = upstream.accept()) {
            client.setSoTimeout(5_000);
            assertThat(send("DELETE", "/proxies/held/toxics/hold", null).statusCode()).isEqualTo(204);
            InputStream in = client.getInputStream();
            assertThat(in.read()).as("closed once the toxic holding it is removed").isEqualTo(-1);
        }
    }

    @Test
    void populateReplacesAProxyWhoseAddressesChanged() throws Exception {
        createProxy("p");
        String body = "[{\"name\":\"p\",\"listen\":\"127.0.0.1:0\",\"upstream\":\"127.0.0.1:1\"}]";
        HttpResponse<String> response = send("POST", "/populate", body);
        assertThat(response.statusCode()).isEqualTo(201);
        assertThat(object(send("GET", "/proxies/p", null))).containsEntry("upstream", "127.0.0.1:1");
        assertThat(object(send("POST", "/populate", "[{\"name\":\"q\",\"upstream\":\"x:1\"},{\"name\":\"q\",\"upstream\":\"x:1\"}]"))
                .get("error")).asString().contains("duplicate proxy name");
    }

    @Test
    void mainRejectsUnknownFlagsAndBadPorts() {
        assertThatThrownBy(() -> ToxiproxyServer.main(new String[] {"-config=x"}))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("unknown flag -config");
        assertThatThrownBy(() -> ToxiproxyServer.main(new String[] {"-port=70000"}))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("-port must be 0..65535");
        assertThatThrownBy(() -> ToxiproxyServer.main(new String[] {"-host"}))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("needs a value");
    }
}
