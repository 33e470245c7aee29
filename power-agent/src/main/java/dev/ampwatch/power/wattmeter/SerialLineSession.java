package dev.ampwatch.power.wattmeter;

import dev.ampwatch.power.PowerReading;
import dev.ampwatch.power.PowerSession;
import dev.ampwatch.power.PowerSourceException;
import dev.ampwatch.power.sampling.RateLimitedLog;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A serial meter that sends lines on its own (the Watts Up? PRO once a second after its logging
 * command, or any meter with a {@link LineFormat}). A daemon reader thread parses each line as it
 * arrives and keeps the latest value, stamped with the time it arrived; {@link #read} hands that
 * value out once, so the sampler never publishes a duplicate. A read with nothing new returns
 * nothing, unless nothing usable arrived for {@link #STALE_AFTER}: then it fails with what the
 * port did send, so a silent or misconfigured meter shows up in the failed-read count. When the
 * port fails (unplugged), the thread reopens it every second and the reads fail meanwhile.
 */
final class SerialLineSession implements PowerSession {

    private static final Logger log = LoggerFactory.getLogger(SerialLineSession.class);

    /** How long without a usable line before reads fail. */
    static final Duration STALE_AFTER = Duration.ofSeconds(5);
    private static final int MAX_LINE = 4096;
    private static final long RETRY_MS = 1000;
    private static final long EOF_POLL_MS = 100;

    /** An opener for the port, called again to reconnect. */
    @FunctionalInterface
    interface Opener {
        LineChannel open() throws PowerSourceException;
    }

    private record Stamped(MeterValue value, Instant time) {}

    private final Opener opener;
    private final LineFormat format;
    private final String device;
    private final InstantSource clock;
    private final String portName;
    private final RateLimitedLog warnings;
    private final AtomicReference<Stamped> latest = new AtomicReference<>();
    private final CountDownLatch closing = new CountDownLatch(1);
    private final Thread reader;
    private final Instant openedAt;
    private final Optional<String> init;

    private volatile LineChannel channel;
    private volatile Instant lastValueAt;
    private volatile String failure;
    private volatile String lastProblem;
    private volatile String lastUnmatched;
    private volatile long unmatched;

    private SerialLineSession(Opener opener, LineChannel first, LineFormat format, Optional<String> init,
            String device, InstantSource clock, String portName) {
        this.opener = opener;
        this.init = init;
        this.channel = first;
        this.format = format;
        this.device = device;
        this.clock = clock;
        this.portName = portName;
        this.warnings = new RateLimitedLog(log, Duration.ofMinutes(1), clock);
        this.openedAt = clock.instant();
        this.reader = new Thread(this::run, "wattmeter-serial-" + portName);
        this.reader.setDaemon(true);
    }

    /**
     * Opens the port (failing here when it cannot be opened), sends {@code init} if the channel can
     * be written, and starts the reader thread.
     */
    static SerialLineSession open(Opener opener, LineFormat format, Optional<String> init, String device,
            InstantSource clock, String portName) throws PowerSourceException {
        LineChannel first = opener.open();
        SerialLineSession session = new SerialLineSession(opener, first, format, init, device, clock, portName);
        try {
            session.sendInit(first);
        } catch (IOException e) {
            closeQuietly(first);
            throw new PowerSourceException("cannot write to " + first.describe() + ": " + e.getMessage(), e);
        }
        log.info("wattmeter: reading {} from {}", format.describe(), first.describe());
        session.reader.start();
        return session;
    }

    private void sendInit(LineChannel ch) throws IOException {
        if (init.isPresent()) {
            if (ch.writable()) {
                ch.write(init.get());
            } else {
                log.info("wattmeter: {} is only read; not sending '{}'", ch.describe(), init.get());
            }
        }
    }

    @Override
    public List<PowerReading> read(Instant readTime) throws PowerSourceException {
        Stamped s = latest.getAndSet(null);
        if (s != null) {
            return List.of(s.value().toReading(device, s.time()));
        }
        String f = failure;
        if (f != null) {
            throw new PowerSourceException(f);
        }
        Instant since = lastValueAt != null ? lastValueAt : openedAt;
        if (Duration.between(since, readTime).compareTo(STALE_AFTER) > 0) {
            StringBuilder msg = new StringBuilder("no reading from ").append(portName).append(" since ").append(since)
                    .append(lastValueAt == null ? " (opened)" : "");
            if (lastProblem != null) {
                msg.append("; last problem: ").append(lastProblem);
            }
            if (unmatched > 0) {
                msg.append("; ").append(unmatched).append(" line(s) were not ").append(format.describe())
                        .append(", the last: '").append(lastUnmatched).append("'");
            }
            throw new PowerSourceException(msg.toString());
        }
        return List.of();
    }

    /** The reader thread: read lines until closed; reopen the port after a failure. */
    private void run() {
        LineChannel ch = channel;
        while (closing.getCount() > 0) {
            try {
                if (ch == null) {
                    ch = opener.open();
                    channel = ch;
                    if (closing.getCount() == 0) {
                        break;
                    }
                    sendInit(ch);
                    log.info("wattmeter: {} reopened", ch.describe());
                }
                failure = null;
                readLines(ch);
            } catch (IOException | PowerSourceException | RuntimeException e) {
                if (closing.getCount() == 0) {
                    break;
                }
                String what = ch != null ? ch.describe() : portName;
                failure = what + " failed: " + e.getMessage() + " (reopening every second)";
                warnings.warn("io", null, "wattmeter: {}", failure);
            }
            closeQuietly(ch);
            ch = null;
            channel = null;
            await(RETRY_MS);
        }
        closeQuietly(ch);
    }

    private void readLines(LineChannel ch) throws IOException {
        byte[] buffer = new byte[1024];
        StringBuilder line = new StringBuilder();
        while (closing.getCount() > 0) {
            int n = ch.read(buffer);
            if (n < 0) {
                await(EOF_POLL_MS); // end of a file or FIFO for now; more may be written
                continue;
            }
            for (int i = 0; i < n; i++) {
                char c = (char) (buffer[i] & 0xff);
                if (c == '\n' || c == '\r') {
                    if (!line.isEmpty()) {
                        accept(line.toString());
                        line.setLength(0);
                    }
                } else if (line.length() < MAX_LINE) {
                    line.append(c);
                }
            }
        }
    }

    /** Parses one line; package-private for tests. */
    void accept(String line) {
        Instant now = clock.instant();
        try {
            var value = format.parse(line.strip());
            if (value.isPresent()) {
                latest.set(new Stamped(value.get(), now));
                lastValueAt = now;
            } else {
                unmatched++;
                lastUnmatched = line.length() > 120 ? line.substring(0, 120) + "..." : line;
            }
        } catch (IllegalArgumentException e) {
            lastProblem = e.getMessage();
            warnings.warn("parse", null, "wattmeter: {}: line not used: {}", portName, e.getMessage());
        }
    }

    private void await(long ms) {
        try {
            closing.await(ms, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            closing.countDown();
        }
    }

    /** Whether the reader thread is still running (tests). */
    boolean readerAlive() {
        return reader.isAlive();
    }

    /** Stops the reader: closes the port, which wakes a blocked read, and waits briefly for it. */
    @Override
    public void close() {
        if (closing.getCount() == 0) {
            return;
        }
        closing.countDown();
        closeQuietly(channel);
        reader.interrupt();
        try {
            reader.join(2000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static void closeQuietly(LineChannel ch) {
        if (ch == null) {
            return;
        }
        try {
            ch.close();
        } catch (IOException | RuntimeException e) {
            log.debug("wattmeter: closing {} failed", ch.describe(), e);
        }
    }

    @Override
    public String toString() {
        return "SerialLineSession[" + portName + ", " + format.describe() + "]";
    }

}
