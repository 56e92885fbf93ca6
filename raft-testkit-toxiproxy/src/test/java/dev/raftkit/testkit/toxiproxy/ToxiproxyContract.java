package dev.raftkit.testkit.toxiproxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.raftkit.Address;
import eu.rekawek.toxiproxy.Proxy;
import eu.rekawek.toxiproxy.ToxiproxyClient;
import eu.rekawek.toxiproxy.model.ToxicDirection;
import eu.rekawek.toxiproxy.model.toxic.Latency;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * What any Toxiproxy 2.x must do, checked through {@code toxiproxy-java} and raw HTTP: every API
 * endpoint with its JSON shapes, status codes and error bodies, and the measured effect of every
 * toxic. Written from Toxiproxy's documentation (README "HTTP API" and "Toxics"), so the same tests
 * pass against the official image and against our compatible server. Subclasses say which one runs.
 *
 * <p>Time bounds are generous (lower bounds at 90% of what was asked, upper bounds seconds above).
 */
abstract class ToxiproxyContract {

    private static final Duration IO_TIMEOUT = Duration.ofSeconds(5);
    private static final ObjectMapper JSON = new ObjectMapper();

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(IO_TIMEOUT).build();
    private TcpTestServer echo;
    private int nextSlot;

    /** Returns the Toxiproxy under test, reset before each test. */
    abstract ToxiproxyEndpoint endpoint();

    @BeforeEach
    void startEchoServer() throws IOException {
        echo = TcpTestServer.start(endpoint().serviceBindHost(), TcpTestServer.Mode.ECHO);
    }

    @AfterEach
    void deleteProxiesAndStopServers() throws IOException {
        for (Proxy proxy : client().getProxies()) {
            proxy.delete();
        }
        echo.close();
    }

    private ToxiproxyClient client() {
        return endpoint().client();
    }

    private Proxy proxyTo(String name, Address upstream) throws IOException {
        return client().createProxy(name, endpoint().listenAddress(nextSlot++), endpoint().upstreamFor(upstream));
    }

    private Proxy echoProxy(String name) throws IOException {
        return proxyTo(name, echo.address());
    }

    private Socket connect(Proxy proxy) throws IOException {
        Address address = endpoint().reachableAddress(proxy.getListen());
        Socket socket = new Socket();
        socket.connect(new InetSocketAddress(address.host(), address.port()), (int) IO_TIMEOUT.toMillis());
        socket.setSoTimeout((int) IO_TIMEOUT.toMillis());
        return socket;
    }

    private static byte[] readExactly(InputStream in, int count) throws IOException {
        byte[] data = in.readNBytes(count);
        assertThat(data).as("bytes read before the stream ended").hasSize(count);
        return data;
    }

    /** Sends a few bytes and reads the echo; returns the round trip in milliseconds. */
    private static long roundTripMillis(Socket socket) throws IOException {
        byte[] ping = "ping".getBytes();
        long start = System.nanoTime();
        socket.getOutputStream().write(ping);
        assertThat(readExactly(socket.getInputStream(), ping.length)).isEqualTo(ping);
        return (System.nanoTime() - start) / 1_000_000;
    }

    /** Reads until the stream ends or is reset; fails if data arrives or it stays open past the timeout. */
    private static void assertClosesWithoutData(Socket socket) throws IOException {
        try {
            int b = socket.getInputStream().read();
            assertThat(b).as("the connection ends without passing data").isEqualTo(-1);
        } catch (SocketException e) {
            assertThat(e.getMessage()).containsIgnoringCase("reset");
        }
    }

    private HttpResponse<String> request(String method, String path, String body) throws Exception {
        Address api = endpoint().apiAddress();
        HttpRequest.Builder builder = HttpRequest.newBuilder(URI.create("http://" + api + path)).timeout(IO_TIMEOUT);
        builder.method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                : HttpRequest.BodyPublishers.ofString(body));
        return http.send(builder.build(), HttpResponse.BodyHandlers.ofString());
    }

    /** Reads a response with Jackson, not with the server's own JSON code, so both sides are checked. */
    private static Object parse(String json) {
        try {
            return JSON.readValue(json, Object.class);
        } catch (JsonProcessingException e) {
            throw new AssertionError("the API answered with text that is not JSON: " + json, e);
        }
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> object(HttpResponse<String> response) {
        return (Map<String, Object>) parse(response.body());
    }

    private static void assertError(HttpResponse<String> response, int status, String message) {
        assertThat(response.statusCode()).as(response.body()).isEqualTo(status);
        Map<String, Object> body = object(response);
        assertThat(body.get("error")).isEqualTo(message);
        assertThat(((Number) body.get("status")).intValue()).isEqualTo(status);
    }

    // ---- API ----

    @Test
    void versionIsA2xRelease() throws Exception {
        HttpResponse<String> response = request("GET", "/version", null);
        assertThat(response.statusCode()).isEqualTo(200);
        assertThat((String) object(response).get("version")).startsWith("2.");
        assertThat(client().version()).contains("\"version\"");
    }

    @Test
    void proxyLifecycleThroughTheJavaClient() throws IOException {
        Proxy created = echoProxy("lifecycle");
        assertThat(created.getName()).isEqualTo("lifecycle");
        assertThat(created.isEnabled()).isTrue();
        assertThat(created.getUpstream()).isEqualTo(endpoint().upstreamFor(echo.address()));

        assertThat(client().getProxies()).extracting(Proxy::getName).containsExactly("lifecycle");
        Proxy fetched = client().getProxy("lifecycle");
        assertThat(fetched.getListen()).isEqualTo(created.getListen());

        fetched.disable();
        assertThat(client().getProxy("lifecycle").isEnabled()).isFalse();
        fetched.enable();
        assertThat(client().getProxy("lifecycle").isEnabled()).isTrue();
        try (Socket socket = connect(fetched)) {
            roundTripMillis(socket);
        }

        fetched.setUpstream(endpoint().upstreamFor(new Address(echo.address().host(), 1)));
        assertThat(client().getProxy("lifecycle").getUpstream()).endsWith(":1");

        fetched.delete();
        assertThat(client().getProxyOrNull("lifecycle")).isNull();
        assertThat(client().getProxies()).isEmpty();
    }

    @Test
    void proxyEndpointsAnswerWithToxiproxyShapesAndCodes() throws Exception {
        String upstream = endpoint().upstreamFor(echo.address());
        String listen = endpoint().listenAddress(nextSlot++);
        String create = "{\"name\":\"shapes\",\"listen\":\"" + listen + "\",\"upstream\":\"" + upstream + "\"}";

        HttpResponse<String> created = request("POST", "/proxies", create);
        assertThat(created.statusCode()).isEqualTo(201);
        Map<String, Object> proxy = object(created);
        assertThat(proxy).containsEntry("name", "shapes").containsEntry("upstream", upstream)
                .containsEntry("enabled", true).containsKey("listen").containsEntry("toxics", List.of());

        assertError(request("POST", "/proxies", create), 409, "proxy already exists");
        assertError(request("POST", "/proxies", "{\"name\":\"x\",\"listen\":\"" + listen + "\"}"), 400,
                "missing required field: upstream");
        assertThat(request("POST", "/proxies", "{not json").statusCode()).isEqualTo(400);
        assertError(request("GET", "/proxies/missing", null), 404, "proxy not found");
        assertError(request("DELETE", "/proxies/missing", null), 404, "proxy not found");

        HttpResponse<String> index = request("GET", "/proxies", null);
        assertThat(index.statusCode()).isEqualTo(200);
        assertThat(object(index)).containsOnlyKeys("shapes");

        HttpResponse<String> patched = request("PATCH", "/proxies/shapes", "{\"enabled\":false}");
        assertThat(patched.statusCode()).isEqualTo(200);
        assertThat(object(patched)).containsEntry("enabled", false).containsEntry("upstream", upstream);
        HttpResponse<String> posted = request("POST", "/proxies/shapes", "{\"enabled\":true}");
        assertThat(posted.statusCode()).isEqualTo(200);
        assertThat(object(posted)).containsEntry("enabled", true);

        assertThat(request("DELETE", "/proxies/shapes", null).statusCode()).isEqualTo(204);
        assertError(request("GET", "/proxies/shapes", null), 404, "proxy not found");
    }

    @Test
    void toxicEndpointsAnswerWithToxiproxyShapesAndCodes() throws Exception {
        echoProxy("tox");
        HttpResponse<String> created = request("POST", "/proxies/tox/toxics",
                "{\"type\":\"latency\",\"attributes\":{\"latency\":100}}");
        assertThat(created.statusCode()).isEqualTo(200);
        Map<String, Object> toxic = object(created);
        assertThat(toxic).containsEntry("name", "latency_downstream").containsEntry("type", "latency")
                .containsEntry("stream", "downstream");
        assertThat(((Number) toxic.get("toxicity")).doubleValue()).isEqualTo(1.0);
        assertThat(((Number) attributes(toxic).get("latency")).intValue()).isEqualTo(100);
        assertThat(((Number) attributes(toxic).get("jitter")).intValue()).isZero();

        assertError(request("POST", "/proxies/tox/toxics", "{\"type\":\"latency\"}"), 409, "toxic already exists");
        assertError(request("POST", "/proxies/tox/toxics", "{\"type\":\"latency\",\"stream\":\"sideways\"}"), 400,
                "stream was invalid, can be either upstream or downstream");
        assertError(request("POST", "/proxies/tox/toxics", "{\"type\":\"no_such_toxic\",\"name\":\"n\"}"), 400,
                "invalid toxic type");
        assertError(request("POST", "/proxies/missing/toxics", "{\"type\":\"latency\"}"), 404, "proxy not found");
        assertError(request("GET", "/proxies/tox/toxics/missing", null), 404, "toxic not found");
        assertError(request("DELETE", "/proxies/tox/toxics/missing", null), 404, "toxic not found");

        HttpResponse<String> updated = request("POST", "/proxies/tox/toxics/latency_downstream",
                "{\"attributes\":{\"jitter\":10},\"toxicity\":0.5}");
        assertThat(updated.statusCode()).isEqualTo(200);
        assertThat(((Number) attributes(object(updated)).get("latency")).intValue()).isEqualTo(100);
        assertThat(((Number) attributes(object(updated)).get("jitter")).intValue()).isEqualTo(10);
        assertThat(((Number) object(updated).get("toxicity")).doubleValue()).isEqualTo(0.5);
        HttpResponse<String> patched = request("PATCH", "/proxies/tox/toxics/latency_downstream",
                "{\"attributes\":{\"latency\":50}}");
        assertThat(patched.statusCode()).isEqualTo(200);
        assertThat(((Number) attributes(object(patched)).get("latency")).intValue()).isEqualTo(50);

        request("POST", "/proxies/tox/toxics", "{\"type\":\"bandwidth\",\"name\":\"bw\",\"stream\":\"upstream\","
                + "\"attributes\":{\"rate\":1000}}");
        HttpResponse<String> list = request("GET", "/proxies/tox/toxics", null);
        assertThat(list.statusCode()).isEqualTo(200);
        assertThat((List<?>) parse(list.body())).hasSize(2);
        HttpResponse<String> shown = request("GET", "/proxies/tox/toxics/bw", null);
        assertThat(object(shown)).containsEntry("stream", "upstream").containsEntry("type", "bandwidth");
        assertThat((List<?>) object(request("GET", "/proxies/tox", null)).get("toxics")).hasSize(2);

        assertThat(request("DELETE", "/proxies/tox/toxics/bw", null).statusCode()).isEqualTo(204);
        assertThat((List<?>) parse(request("GET", "/proxies/tox/toxics", null).body())).hasSize(1);
    }

    @Test
    void toxicsThroughTheJavaClient() throws IOException {
        Proxy proxy = echoProxy("javatox");
        Latency latency = proxy.toxics().latency("slow", ToxicDirection.UPSTREAM, 100).setJitter(5);
        proxy.toxics().bandwidth("bw", ToxicDirection.DOWNSTREAM, 500);
        proxy.toxics().slowClose("sc", ToxicDirection.DOWNSTREAM, 10);
        proxy.toxics().timeout("to", ToxicDirection.UPSTREAM, 1000);
        proxy.toxics().resetPeer("rp", ToxicDirection.UPSTREAM, 1000);
        proxy.toxics().limitData("ld", ToxicDirection.DOWNSTREAM, 1000);
        proxy.toxics().slicer("sl", ToxicDirection.DOWNSTREAM, 100, 10).setSizeVariation(5);
        assertThat(latency.getLatency()).isEqualTo(100);
        assertThat(latency.getJitter()).isEqualTo(5);

        assertThat(proxy.toxics().getAll()).extracting(t -> t.getName())
                .containsExactlyInAnyOrder("slow", "bw", "sc", "to", "rp", "ld", "sl");
        Latency fetched = proxy.toxics().get("slow", Latency.class);
        assertThat(fetched.getStream()).isEqualTo(ToxicDirection.UPSTREAM);
        fetched.setLatency(200);
        assertThat(proxy.toxics().get("slow", Latency.class).getLatency()).isEqualTo(200);
        fetched.setToxicity(0.25f);
        assertThat(proxy.toxics().get("slow").getToxicity()).isEqualTo(0.25f);

        fetched.remove();
        assertThat(proxy.toxics().getAll()).hasSize(6);
    }

    @Test
    void populateCreatesAndKeepsProxies() throws Exception {
        String upstream = endpoint().upstreamFor(echo.address());
        String body = "[{\"name\":\"p1\",\"listen\":\"" + endpoint().listenAddress(nextSlot++) + "\",\"upstream\":\""
                + upstream + "\"},{\"name\":\"p2\",\"listen\":\"" + endpoint().listenAddress(nextSlot++)
                + "\",\"upstream\":\"" + upstream + "\",\"enabled\":false}]";
        HttpResponse<String> populated = request("POST", "/populate", body);
        assertThat(populated.statusCode()).isEqualTo(201);
        List<?> proxies = (List<?>) object(populated).get("proxies");
        assertThat(proxies).hasSize(2);
        assertThat(client().getProxy("p1").isEnabled()).isTrue();
        assertThat(client().getProxy("p2").isEnabled()).isFalse();

        assertThat(request("POST", "/populate", "[{\"name\":\"p3\"}]").statusCode()).isEqualTo(400);
        assertThat(client().getProxyOrNull("p3")).isNull();
        assertThat(request("POST", "/populate", "{\"name\":\"p3\"}").statusCode()).isEqualTo(400);
    }

    @Test
    void resetEnablesProxiesAndRemovesToxics() throws Exception {
        Proxy proxy = echoProxy("resettable");
        proxy.toxics().latency("slow", ToxicDirection.DOWNSTREAM, 1000);
        proxy.disable();

        assertThat(request("POST", "/reset", null).statusCode()).isEqualTo(204);

        Proxy after = client().getProxy("resettable");
        assertThat(after.isEnabled()).isTrue();
        assertThat(after.toxics().getAll()).isEmpty();
        try (Socket socket = connect(after)) {
            assertThat(roundTripMillis(socket)).isLessThan(900);
        }
    }

    @Test
    void unknownPathIsNotFound() throws Exception {
        assertThat(request("GET", "/no/such/path", null).statusCode()).isEqualTo(404);
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> attributes(Map<String, Object> toxic) {
        return (Map<String, Object>) toxic.get("attributes");
    }

    // ---- toxic effects ----

    @Test
    void latencyAddsWhatWasAsked() throws IOException {
        Proxy proxy = echoProxy("latency");
        try (Socket socket = connect(proxy)) {
            long baseline = roundTripMillis(socket);
            proxy.toxics().latency("latency", ToxicDirection.DOWNSTREAM, 300);
            long delayed = roundTripMillis(socket);
            assertThat(delayed).as("round trip with 300 ms latency (baseline %d ms)", baseline)
                    .isBetween(270L, 300L + baseline + 1500);
        }
    }

    @Test
    void latencyJitterStaysWithinItsBounds() throws IOException {
        Proxy proxy = echoProxy("jitter");
        proxy.toxics().latency("latency", ToxicDirection.UPSTREAM, 200).setJitter(100);
        try (Socket socket = connect(proxy)) {
            for (int i = 0; i < 4; i++) {
                assertThat(roundTripMillis(socket)).as("round trip %d", i).isBetween(90L, 300L + 1500);
            }
        }
    }

    @Test
    void toxicityZeroLeavesConnectionsAlone() throws IOException {
        Proxy proxy = echoProxy("harmless");
        proxy.toxics().latency("latency", ToxicDirection.DOWNSTREAM, 2000).setToxicity(0f);
        try (Socket socket = connect(proxy)) {
            assertThat(roundTripMillis(socket)).isLessThan(1500);
        }
    }

    @Test
    void bandwidthLimitsTheRate() throws Exception {
        Proxy proxy = echoProxy("bandwidth");
        long rateKilobytes = 200;
        proxy.toxics().bandwidth("bw", ToxicDirection.DOWNSTREAM, rateKilobytes);
        int total = 300_000;
        try (Socket socket = connect(proxy)) {
            byte[] data = new byte[total];
            Arrays.fill(data, (byte) 7);
            Thread writer = new Thread(() -> {
                try {
                    socket.getOutputStream().write(data);
                } catch (IOException e) {
                    // the reader below fails on missing bytes
                }
            });
            writer.start();
            socket.setSoTimeout(10_000);
            InputStream in = socket.getInputStream();
            // The clock starts at the first byte, so connection set-up and relay latency do not
            // count against the rate: only the shaped stream is measured.
            int first = in.read(new byte[1]);
            assertThat(first).isEqualTo(1);
            long start = System.nanoTime();
            readExactly(in, total - 1);
            double seconds = (System.nanoTime() - start) / 1e9;
            writer.join(10_000);
            double measured = (total - 1) / 1000.0 / seconds;
            assertThat(measured).as("KB/s measured over %.2f s", seconds)
                    .isBetween(rateKilobytes * 0.8, rateKilobytes * 1.2);
        }
    }

    @Test
    void timeoutStopsDataAndClosesAfterItsTimeout() throws IOException {
        Proxy proxy = echoProxy("timeout");
        proxy.toxics().timeout("timeout", ToxicDirection.UPSTREAM, 600);
        try (Socket socket = connect(proxy)) {
            long start = System.nanoTime();
            socket.getOutputStream().write("ping".getBytes());
            assertClosesWithoutData(socket);
            long elapsed = (System.nanoTime() - start) / 1_000_000;
            assertThat(elapsed).as("ms until the connection closed").isBetween(450L, 600L + 3000);
        }
    }

    @Test
    void timeoutZeroHoldsTheConnectionWithoutData() throws IOException {
        Proxy proxy = echoProxy("blackhole");
        proxy.toxics().timeout("timeout", ToxicDirection.DOWNSTREAM, 0);
        try (Socket socket = connect(proxy)) {
            socket.setSoTimeout(1200);
            socket.getOutputStream().write("ping".getBytes());
            assertThatThrownBy(() -> socket.getInputStream().read())
                    .as("no data and no close within 1.2 s").isInstanceOf(SocketTimeoutException.class);
        }
    }

    @Test
    void resetPeerResetsTheConnection() throws Exception {
        Proxy proxy = echoProxy("reset");
        proxy.toxics().resetPeer("reset", ToxicDirection.UPSTREAM, 200);
        try (Socket socket = connect(proxy)) {
            socket.getOutputStream().write("ping".getBytes());
            assertClosesWithoutData(socket);
        }
        long deadline = System.nanoTime() + IO_TIMEOUT.toNanos();
        while (echo.resets().isEmpty() && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        assertThat(echo.resets()).as("the upstream server saw a connection reset").isNotEmpty();
    }

    @Test
    void limitDataClosesAfterTheByteCount() throws IOException {
        Proxy proxy = echoProxy("limit");
        proxy.toxics().limitData("limit", ToxicDirection.DOWNSTREAM, 1000);
        try (Socket socket = connect(proxy)) {
            byte[] data = new byte[3000];
            Arrays.fill(data, (byte) 1);
            socket.getOutputStream().write(data);
            byte[] received = socket.getInputStream().readNBytes(3000);
            assertThat(received).as("bytes passed before the close").hasSize(1000);
        }
    }

    @Test
    void slicerSplitsWrites() throws IOException {
        Proxy proxy = echoProxy("slicer");
        proxy.toxics().slicer("slicer", ToxicDirection.DOWNSTREAM, 20, 20_000).setSizeVariation(5);
        try (Socket socket = connect(proxy)) {
            byte[] data = new byte[200];
            for (int i = 0; i < data.length; i++) {
                data[i] = (byte) i;
            }
            socket.getOutputStream().write(data);
            InputStream in = socket.getInputStream();
            byte[] received = new byte[data.length];
            int reads = 0;
            int got = 0;
            byte[] buffer = new byte[data.length];
            while (got < data.length) {
                int n = in.read(buffer);
                assertThat(n).as("stream ended after %d bytes", got).isPositive();
                System.arraycopy(buffer, 0, received, got, n);
                got += n;
                reads++;
            }
            assertThat(received).isEqualTo(data);
            assertThat(reads).as("reads needed for one 200-byte write sliced at ~20 bytes, 20 ms apart")
                    .isGreaterThanOrEqualTo(3);
        }
    }

    @Test
    void slowCloseDelaysTheClose() throws IOException {
        try (TcpTestServer closer = TcpTestServer.start(endpoint().serviceBindHost(),
                TcpTestServer.Mode.CLOSE_AFTER_FIRST_BYTE)) {
            Proxy proxy = proxyTo("slowclose", closer.address());
            proxy.toxics().slowClose("slow", ToxicDirection.DOWNSTREAM, 700);
            try (Socket socket = connect(proxy)) {
                long start = System.nanoTime();
                socket.getOutputStream().write(1);
                assertClosesWithoutData(socket);
                long elapsed = (System.nanoTime() - start) / 1_000_000;
                assertThat(elapsed).as("ms until the close reached the client").isBetween(630L, 700L + 3000);
            }
        }
    }

    @Test
    void disabledProxyClosesConnectionsAndRefusesNewOnes() throws IOException {
        Proxy proxy = echoProxy("disabled");
        Address address = endpoint().reachableAddress(proxy.getListen());
        try (Socket open = connect(proxy)) {
            roundTripMillis(open);
            proxy.disable();
            assertClosesWithoutData(open);
        }
        assertNoEcho(address);
        proxy.enable();
        try (Socket again = connect(proxy)) {
            assertThat(roundTripMillis(again)).isLessThan(2000);
        }
    }

    /** Fails unless a connection to the address is refused, closed or reset without echoing. */
    private static void assertNoEcho(Address address) {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress(address.host(), address.port()), (int) IO_TIMEOUT.toMillis());
            socket.setSoTimeout((int) IO_TIMEOUT.toMillis());
            OutputStream out = socket.getOutputStream();
            out.write("ping".getBytes());
            assertClosesWithoutData(socket);
        } catch (IOException e) {
            assertThat(e).isNotInstanceOf(SocketTimeoutException.class); // refused or reset: the proxy is off
        }
    }
}
