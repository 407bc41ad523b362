package dev.jaio.cli.serve;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jaio.cli.serve.HttpRequestParser.Done;
import dev.jaio.cli.serve.HttpRequestParser.NeedMore;
import dev.jaio.cli.serve.HttpRequestParser.Rejected;
import dev.jaio.cli.serve.HttpRequestParser.Result;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Set;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.statistics.Statistics;

/**
 * The parser on input it was not written for: any bytes, fed in any chunks, give NeedMore, Done
 * or Rejected (never an exception), give the same outcome however they are split, and a Done
 * consumes a prefix that parses to the same request on its own.
 */
class HttpRequestParserPropertyTest {

    private static final Set<Integer> STATUSES = Set.of(400, 413, 414, 431, 501, 505);

    /** Bytes and cut points: chunk ends, ascending, inside the bytes. */
    record Input(byte[] bytes, int[] cuts) {
        @Override
        public String toString() {
            return "Input[" + new String(bytes, StandardCharsets.ISO_8859_1).replace("\r", "\\r").replace("\n", "\\n")
                    + ", cuts=" + java.util.Arrays.toString(cuts) + "]";
        }
    }

    @Provide
    Arbitrary<Input> inputs() {
        // Random bytes; bytes biased to HTTP's alphabet, so that heads get past the request line;
        // and valid heads with random bytes overwritten, inserted or removed.
        Arbitrary<byte[]> random = Arbitraries.bytes().array(byte[].class).ofMaxSize(300);
        Arbitrary<byte[]> httpish = Arbitraries.oneOf(
                        Arbitraries.of("GET", "HEAD", " ", "/", "HTTP/1.1", "HTTP/1.0", "\r\n", "\n", "\r", ":", "Host",
                                "Host: a", "%", "%2", "%2e", "%zz", "Content-Length: 0", "Transfer-Encoding",
                                "Connection: close", "\t", "a", "?", "\u0000", "\u00e9", "HTTP/2.0", "Content-Length: 5",
                                "Host: a\r\n\r\n", "GET / HTTP/1.1\r\n"),
                        Arbitraries.strings().ofMaxLength(4))
                .list().ofMaxSize(40)
                .map(parts -> String.join("", parts).getBytes(StandardCharsets.ISO_8859_1));
        Arbitrary<byte[]> mutated = Combinators.combine(
                        Arbitraries.of(
                                "GET /a%20b?x HTTP/1.1\r\nHost: example.com\r\nRange: bytes=0-1\r\n\r\n",
                                "HEAD / HTTP/1.0\nConnection: keep-alive\n\nGET / HTTP/1.1\r\nHost: h\r\n\r\n",
                                "\r\nGET http://h/x HTTP/1.1\r\nHost: h\r\nX:\r\n\r\n"),
                        Arbitraries.integers().between(0, 2),
                        Arbitraries.integers().between(0, 1000),
                        Arbitraries.bytes())
                .as((head, op, at, b) -> mutate(head.getBytes(StandardCharsets.ISO_8859_1), op, at, b));
        Arbitrary<byte[]> bytes = Arbitraries.frequencyOf(
                net.jqwik.api.Tuple.of(2, random), net.jqwik.api.Tuple.of(3, httpish), net.jqwik.api.Tuple.of(3, mutated));
        return bytes.flatMap(b -> Arbitraries.integers().between(0, b.length).list().ofMaxSize(6)
                .map(cuts -> new Input(b, cuts.stream().mapToInt(Integer::intValue).sorted().toArray())));
    }

    private static byte[] mutate(byte[] head, int op, int at, byte b) {
        int i = at % head.length;
        return switch (op) {
            case 0 -> {
                byte[] copy = head.clone();
                copy[i] = b;
                yield copy;
            }
            case 1 -> {
                byte[] copy = new byte[head.length + 1];
                System.arraycopy(head, 0, copy, 0, i);
                copy[i] = b;
                System.arraycopy(head, i, copy, i + 1, head.length - i);
                yield copy;
            }
            default -> {
                byte[] copy = new byte[head.length - 1];
                System.arraycopy(head, 0, copy, 0, i);
                System.arraycopy(head, i + 1, copy, i, head.length - i - 1);
                yield copy;
            }
        };
    }

    @Property(tries = 3000)
    void anyBytesInAnyChunksGiveAResultAndTheSameOne(@ForAll("inputs") Input input) {
        String whole = outcome(new HttpRequestParser(), input.bytes(), new int[0]);
        String chunked = outcome(new HttpRequestParser(), input.bytes(), input.cuts());
        assertEquals(whole, chunked);
        Statistics.label("outcome").collect(whole.startsWith("Done") ? "Done" : whole);
        // Small limits reach the 414 and 431 paths with short inputs.
        assertEquals(outcome(new HttpRequestParser(64, 16), input.bytes(), new int[0]),
                outcome(new HttpRequestParser(64, 16), input.bytes(), input.cuts()));
    }

    @Property(tries = 1000)
    void oneParserReusedAcrossRequestsParsesEachAsAFreshOneDoes(@ForAll("sequences") List<Input> sequence) {
        // serve keeps one parser per connection and reuses the last request's fields: never visible.
        HttpRequestParser reused = new HttpRequestParser();
        for (Input input : sequence) {
            reused.reset();
            assertEquals(outcome(new HttpRequestParser(), input.bytes(), input.cuts()),
                    outcome(reused, input.bytes(), input.cuts()));
        }
    }

    @Provide
    Arbitrary<List<Input>> sequences() {
        // Runs of the same few heads, so that fields repeat, change and come and go between requests.
        return inputs().list().ofMinSize(1).ofMaxSize(4)
                .flatMap(pool -> Arbitraries.integers().between(0, pool.size() - 1).list().ofMinSize(2).ofMaxSize(8)
                        .map(picks -> picks.stream().map(pool::get).toList()));
    }

    @Property(tries = 1000)
    void aDoneConsumesAPrefixThatParsesAlone(@ForAll("inputs") Input input) {
        HttpRequestParser p = new HttpRequestParser();
        Result r = p.parse(ByteBuffer.wrap(input.bytes()));
        if (r instanceof Done d) {
            assertTrue(d.consumed() > 0 && d.consumed() <= input.bytes().length);
            Result alone = new HttpRequestParser().parse(ByteBuffer.wrap(input.bytes(), 0, d.consumed()));
            assertEquals(describe(r), describe(alone));
            // One byte fewer is never complete.
            Result shorter = new HttpRequestParser().parse(ByteBuffer.wrap(input.bytes(), 0, d.consumed() - 1));
            assertEquals(NeedMore.class, shorter.getClass());
            assertTrue(d.request().path().startsWith("/"));
        }
    }

    /** Feeds the chunks; returns the first terminal result's description, or NeedMore. */
    private static String outcome(HttpRequestParser p, byte[] bytes, int[] cuts) {
        int from = 0;
        int consumed = 0;
        int[] ends = java.util.Arrays.copyOf(cuts, cuts.length + 1);
        ends[cuts.length] = bytes.length;
        for (int end : ends) {
            ByteBuffer chunk = ByteBuffer.wrap(bytes, from, end - from);
            Result r = p.parse(chunk);
            switch (r) {
                case NeedMore n -> {
                    assertEquals(end - from, n.consumed());
                    consumed += n.consumed();
                }
                case Done d -> {
                    return "Done " + (consumed + d.consumed()) + " " + describe(r);
                }
                case Rejected x -> {
                    assertTrue(STATUSES.contains(x.status()), x.toString());
                    return describe(r);
                }
            }
            from = end;
        }
        return "NeedMore";
    }

    private static String describe(Result r) {
        return switch (r) {
            case NeedMore n -> "NeedMore";
            case Rejected x -> "Rejected " + x.status();
            case Done d -> List.of(d.request().method(), d.request().target(), d.request().path(),
                    String.valueOf(d.request().query()), d.request().version().text(),
                    d.request().fields().toString(), String.valueOf(d.request().keepAlive())).toString();
        };
    }
}
