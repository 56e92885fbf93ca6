package dev.raftkit.testkit.toxiproxy.server;

import java.util.Map;
import java.util.concurrent.ScheduledExecutorService;

/** Builds toxics from API JSON: the registry of supported types and the create and update rules. */
final class ToxicTypes {

    private final ScheduledExecutorService timers;

    /**
     * @param timers runs the timers of timeout toxics
     */
    ToxicTypes(ScheduledExecutorService timers) {
        this.timers = timers;
    }

    private Toxic prototype(String type) {
        return switch (type == null ? "" : type) {
            case "latency" -> new LatencyToxic(0, 0);
            case "bandwidth" -> new BandwidthToxic(0);
            case "slow_close" -> new SlowCloseToxic(0);
            case "timeout" -> new TimeoutToxic(0, timers);
            case "reset_peer" -> new ResetPeerToxic(0);
            case "limit_data" -> new LimitDataToxic(0);
            case "slicer" -> new SlicerToxic(0, 0, 0);
            default -> throw ApiException.invalidToxicType();
        };
    }

    /**
     * Creates a toxic from a create request, with Toxiproxy's defaults: stream downstream, toxicity 1,
     * name {@code <type>_<stream>}.
     *
     * @throws ApiException (400) for a bad stream, type, toxicity or attribute
     */
    ToxicSpec create(Map<String, Object> body) {
        Object streamValue = body.getOrDefault("stream", "downstream");
        Direction stream = Direction.fromApiName(streamValue instanceof String s ? s : null);
        String type = string(body, "type");
        String name = string(body, "name");
        if (name == null || name.isEmpty()) {
            name = type + "_" + stream.apiName();
        }
        Toxic toxic = prototype(type).with(attributes(body));
        return new ToxicSpec(name, type, stream, toxicity(body, 1.0f), toxic);
    }

    /**
     * Applies an update request (attributes and toxicity; other fields ignored) to a toxic.
     *
     * @throws ApiException (400) for a bad toxicity or attribute
     */
    ToxicSpec update(ToxicSpec current, Map<String, Object> body) {
        Toxic toxic = current.toxic().with(attributes(body));
        return new ToxicSpec(current.name(), current.type(), current.stream(),
                toxicity(body, current.toxicity()), toxic);
    }

    private static String string(Map<String, Object> body, String key) {
        Object value = body.get(key);
        if (value != null && !(value instanceof String)) {
            throw ApiException.badRequestBody(key + " must be a string, got " + value);
        }
        return (String) value;
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> attributes(Map<String, Object> body) {
        Object value = body.get("attributes");
        if (value == null) {
            return Map.of();
        }
        if (!(value instanceof Map)) {
            throw ApiException.badRequestBody("attributes must be an object, got " + value);
        }
        return (Map<String, Object>) value;
    }

    private static float toxicity(Map<String, Object> body, float current) {
        if (!body.containsKey("toxicity")) {
            return current;
        }
        if (!(body.get("toxicity") instanceof Number value)) {
            throw ApiException.badRequestBody("toxicity must be a number, got " + body.get("toxicity"));
        }
        float toxicity = value.floatValue();
        if (!Float.isFinite(toxicity)) {
            throw ApiException.badRequestBody("toxicity must be a finite float, got " + value);
        }
        return toxicity;
    }
}
