package dev.raftkit.grpc;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.io.FilterInputStream;
import java.io.InputStream;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** The inbound raw marshaller returns exactly the frame's bytes, whether or not the stream knows its length. */
class RawMarshallerTest {

    private static final byte[] FRAME = randomBytes(20_000);

    @Test
    void readsAStreamThatKnowsItsLength() {
        assertThat(InboundService.RAW.parse(new ByteArrayInputStream(FRAME))).isEqualTo(FRAME);
    }

    @Test
    void readsAStreamThatReportsNothingAvailable() {
        assertThat(InboundService.RAW.parse(new UnknownLength(new ByteArrayInputStream(FRAME)))).isEqualTo(FRAME);
    }

    @Test
    void readsAStreamThatUnderstatesItsLength() {
        InputStream understated = new FilterInputStream(new ByteArrayInputStream(FRAME)) {
            @Override
            public int available() {
                return 100;
            }
        };
        assertThat(InboundService.RAW.parse(understated)).isEqualTo(FRAME);
    }

    @Test
    void readsAnEmptyFrame() {
        assertThat(InboundService.RAW.parse(new ByteArrayInputStream(new byte[0]))).isEmpty();
    }

    private static byte[] randomBytes(int n) {
        byte[] bytes = new byte[n];
        new SplittableRandom(7).nextBytes(bytes);
        return bytes;
    }

    /** A stream whose {@code available()} always says 0, as streams of unknown length may. */
    private static final class UnknownLength extends FilterInputStream {
        UnknownLength(InputStream in) {
            super(in);
        }

        @Override
        public int available() {
            return 0;
        }
    }
}
