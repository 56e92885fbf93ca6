package dev.raftkit.testkit.toxiproxy.server;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A toxic as the API knows it: name, type, stream, toxicity and the behaviour with its attributes.
 *
 * @param name unique within its proxy
 * @param type the Toxiproxy type name, e.g. {@code latency}
 * @param stream the direction it acts on
 * @param toxicity the probability, 0 to 1, that it acts on a given connection
 * @param toxic the behaviour and attributes
 */
record ToxicSpec(String name, String type, Direction stream, float toxicity, Toxic toxic) {

    /** Returns the API JSON shape: attributes, name, type, stream, toxicity. */
    Map<String, Object> toJson() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("attributes", toxic.attributes());
        m.put("name", name);
        m.put("type", type);
        m.put("stream", stream.apiName());
        m.put("toxicity", Json.compact(toxicity));
        return m;
    }
}
