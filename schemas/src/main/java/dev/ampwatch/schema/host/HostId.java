package dev.ampwatch.schema.host;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;

/**
 * The host id: the join key between power samples and training events, and the Kafka key of both
 * input topics. Every agent and command derives it here, so a power-agent and a trainer on one machine
 * always agree.
 *
 * <p>The local id is the machine's hostname as the resolver returns it, lower-cased (hostnames are
 * case-insensitive), without a domain part only when {@code AMPWATCH_HOST} says nothing else; an id given
 * by the user is used as given once it passes {@link #validate(String)}. Thread-safe, stateless.
 */
public final class HostId {
    /** Environment variable that overrides the local host id for every ampwatch process on a machine. */
    public static final String ENVIRONMENT_VARIABLE = "AMPWATCH_HOST";
    /** Longest accepted id, in UTF-16 units: a DNS name is at most 253 characters. */
    public static final int MAX_LENGTH = 253;

    private HostId() {}

    /** This machine's host id (see the class comment); never blank. */
    public static String local() {
        return local(System::getenv, HostId::resolverName);
    }

    /** {@link #local()} with its inputs given: the environment, and what the resolver says. */
    static String local(Function<String, String> environment, java.util.function.Supplier<Optional<String>> resolver) {
        String configured = environment.apply(ENVIRONMENT_VARIABLE);
        if (configured != null && !configured.isBlank()) {
            return validate(configured.strip());
        }
        Optional<String> resolved = resolver.get().filter(n -> !n.isBlank());
        if (resolved.isPresent()) {
            return normalize(resolved.get());
        }
        for (String variable : new String[] {"HOSTNAME", "COMPUTERNAME"}) {
            String value = environment.apply(variable);
            if (value != null && !value.isBlank()) {
                return normalize(value);
            }
        }
        return "localhost";
    }

    /** The given id, or this machine's id when {@code given} is null. */
    public static String orLocal(String given) {
        return given == null ? local() : validate(given);
    }

    /**
     * Checks an id given by a user: not blank, no control characters (NUL is the analyzer's key
     * separator), at most {@link #MAX_LENGTH} characters. Returns it unchanged.
     *
     * @throws IllegalArgumentException naming what is wrong
     */
    public static String validate(String id) {
        Optional<String> problem = problem(id);
        if (problem.isPresent()) {
            throw new IllegalArgumentException(problem.get());
        }
        return id;
    }

    /** Why {@code id} is not a usable host id, if it is not. */
    public static Optional<String> problem(String id) {
        if (id == null || id.isBlank()) {
            return Optional.of("host id is blank");
        }
        if (id.length() > MAX_LENGTH) {
            return Optional.of("host id is " + id.length() + " characters long; at most " + MAX_LENGTH + " are accepted");
        }
        for (int i = 0; i < id.length(); i++) {
            if (Character.isISOControl(id.charAt(i))) {
                return Optional.of("host id contains a control character (code " + (int) id.charAt(i) + ") at index " + i);
            }
        }
        return Optional.empty();
    }

    private static String normalize(String name) {
        return validate(name.strip().toLowerCase(Locale.ROOT));
    }

    private static Optional<String> resolverName() {
        try {
            return Optional.ofNullable(InetAddress.getLocalHost().getHostName());
        } catch (UnknownHostException | SecurityException e) {
            return Optional.empty();
        }
    }

    /** For tests: an environment made of a map. */
    static Function<String, String> environment(Map<String, String> values) {
        return values::get;
    }
}
