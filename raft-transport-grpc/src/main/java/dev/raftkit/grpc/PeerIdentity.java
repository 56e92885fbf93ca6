package dev.raftkit.grpc;

import dev.raftkit.NodeId;
import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.Grpc;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.Certificate;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.SSLSession;

/**
 * Binds node ids to TLS certificates ({@code grpc.tls.verifyNodeId}): a certificate speaks for
 * node {@code <id>} when it carries the URI subject alternative name {@code urn:raftkit:node:<id>}.
 *
 * <p>As a server interceptor it reads the ids of the client certificate of every inbound call and
 * makes them available to the call as {@link #certifiedIds()}; the receiving side then refuses an
 * envelope whose sender is not one of them. A certificate without such a name speaks for no node.
 */
final class PeerIdentity implements ServerInterceptor {

    /** The prefix of the URI subject alternative name that names a node id. */
    static final String URI_PREFIX = "urn:raftkit:node:";

    private static final int SAN_URI = 6;
    private static final Context.Key<Set<NodeId>> IDS = Context.key("raftkit-certified-node-ids");

    /**
     * {@return the node ids the current inbound call's client certificate speaks for, or null when
     * no identity is checked (no TLS or {@code grpc.tls.verifyNodeId} false)}
     */
    static Set<NodeId> certifiedIds() {
        return IDS.get();
    }

    @Override
    public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers,
            ServerCallHandler<Q, R> next) {
        SSLSession session = call.getAttributes().get(Grpc.TRANSPORT_ATTR_SSL_SESSION);
        Set<NodeId> ids = Set.of();
        if (session != null) {
            try {
                Certificate[] chain = session.getPeerCertificates();
                if (chain.length > 0 && chain[0] instanceof X509Certificate leaf) {
                    ids = nodeIds(leaf);
                }
            } catch (SSLPeerUnverifiedException e) {
                // no client certificate: speaks for no node
            }
        }
        return Contexts.interceptCall(Context.current().withValue(IDS, ids), call, headers, next);
    }

    /** {@return the node ids {@code certificate} names as {@code urn:raftkit:node:<id>} URI SANs} */
    static Set<NodeId> nodeIds(X509Certificate certificate) {
        Collection<List<?>> names;
        try {
            names = certificate.getSubjectAlternativeNames();
        } catch (CertificateParsingException e) {
            return Set.of();
        }
        Set<NodeId> ids = new HashSet<>();
        if (names != null) {
            for (List<?> name : names) {
                if (name.get(0) instanceof Integer type && type == SAN_URI && name.get(1) instanceof String uri
                        && uri.startsWith(URI_PREFIX)) {
                    try {
                        ids.add(NodeId.of(uri.substring(URI_PREFIX.length())));
                    } catch (IllegalArgumentException e) {
                        // not a valid node id: names no node
                    }
                }
            }
        }
        return Set.copyOf(ids);
    }

    /**
     * Checks that this node's own certificate speaks for {@code self}, so a certificate issued
     * without the name fails at start instead of being refused by every peer.
     *
     * @throws IllegalArgumentException naming the file and the name it lacks
     * @throws IOException if the file cannot be read
     */
    static void requireOwnId(Path certChain, NodeId self) throws IOException {
        X509Certificate leaf;
        try (InputStream in = Files.newInputStream(certChain)) {
            leaf = (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(in);
        } catch (CertificateException e) {
            throw new IllegalArgumentException(GrpcTransportOptions.TLS_CERT_CHAIN + ": cannot read a certificate from "
                    + certChain + ": " + e.getMessage(), e);
        }
        if (!nodeIds(leaf).contains(self)) {
            throw new IllegalArgumentException(GrpcTransportOptions.TLS_CERT_CHAIN + ": the certificate in " + certChain
                    + " lacks the subject alternative name URI:" + URI_PREFIX + self + ", which "
                    + GrpcTransportOptions.TLS_VERIFY_NODE_ID + " (default true) requires; peers would refuse this node");
        }
    }
}
