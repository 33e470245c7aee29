package dev.ampwatch.broker;

import java.io.IOException;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;

/**
 * A broker that only speaks {@code SASL_SSL}: TLS with a key of its own, and SCRAM-SHA-512 users. Kept in
 * {@code <data-dir>/security/}, readable by its owner only, and reused at every start (the users' SCRAM
 * credentials live in the cluster metadata; their passwords and the TLS key must outlive a restart):
 * <ul>
 *   <li>{@code users.properties}: user name = password, generated (192 random bits) for each user on
 *       first use. {@code admin} is the broker's own user and a super user.</li>
 *   <li>{@code broker.p12}: the TLS key, a self-signed certificate made with the JDK's {@code keytool}
 *       whose subject alternative names are the listener's host, {@code localhost} and 127.0.0.1;
 *       {@code broker.pem} is that certificate, for clients to trust.</li>
 *   <li>{@code client-<user>.properties}: complete Kafka client settings of each user (bootstrap,
 *       protocol, SCRAM login, trust), for {@code --kafka-config}.</li>
 * </ul>
 * The KRaft controller listener binds to the loopback address only. Kafka's standard authorizer is on:
 * users other than {@code admin} may do only what ACLs grant ({@code ampwatch acls}).
 */
public final class BrokerSecurity {
    public static final String ADMIN = "admin";
    public static final String MECHANISM = "SCRAM-SHA-512";
    static final String LISTENER = "SASL_SSL";
    private static final Pattern USER = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,63}");
    private static final String STORE_PASSWORD_KEY = "keystore.password";
    private static final String STORE_PASSWORD_ENV = "AMPWATCH_KEYSTORE_PASSWORD";

    private final Path dir;
    private final Map<String, String> passwords;
    private final String storePassword;

    private BrokerSecurity(Path dir, Map<String, String> passwords, String storePassword) {
        this.dir = dir;
        this.passwords = Map.copyOf(passwords);
        this.storePassword = storePassword;
    }

    public Path dir() {
        return dir;
    }

    /** The users, without their passwords. */
    public java.util.Set<String> users() {
        return new java.util.TreeSet<>(passwords.keySet());
    }

    /** Names the users, never their passwords (this object ends up in logs and exceptions). */
    @Override
    public String toString() {
        return "BrokerSecurity[" + dir + ", users " + users() + "]";
    }

    /**
     * The security of the broker in {@code dataDir}: what an earlier start made, plus passwords for
     * {@code users} that have none yet, and a TLS key if there is none.
     */
    public static BrokerSecurity prepare(Path dataDir, String host, Collection<String> users) {
        Path dir = dataDir.resolve("security");
        try {
            Files.createDirectories(dir);
            ownerOnly(dir, "rwx------");
            Path file = dir.resolve("users.properties");
            Properties stored = new Properties();
            if (Files.exists(file)) {
                try (Reader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
                    stored.load(r);
                }
            }
            List<String> wanted = new ArrayList<>(List.of(ADMIN, STORE_PASSWORD_KEY));
            wanted.addAll(users);
            boolean added = false;
            for (String user : wanted) {
                if (!user.equals(STORE_PASSWORD_KEY) && !USER.matcher(user).matches()) {
                    throw new IllegalArgumentException("user name " + user + " is not 1-64 of A-Z a-z 0-9 . _ - (starting alphanumeric)");
                }
                if (stored.getProperty(user) == null) {
                    stored.setProperty(user, password());
                    added = true;
                }
            }
            if (added) {
                write(file, stored, "SCRAM-SHA-512 users of this broker and the keystore's password; keep it secret");
            }
            String storePassword = stored.getProperty(STORE_PASSWORD_KEY);
            Map<String, String> passwords = new LinkedHashMap<>();
            stored.stringPropertyNames().stream().filter(k -> !k.equals(STORE_PASSWORD_KEY)).sorted()
                    .forEach(k -> passwords.put(k, stored.getProperty(k)));
            BrokerSecurity security = new BrokerSecurity(dir, passwords, storePassword);
            if (!Files.exists(security.keyStore())) {
                security.makeKey(host);
            }
            return security;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot prepare the broker's TLS key and users in " + dir + ": " + e.getMessage(), e);
        }
    }

    public Path keyStore() {
        return dir.resolve("broker.p12");
    }

    /** The broker's certificate (PEM): what clients trust ({@code ssl.truststore.type=PEM}). */
    public Path certificate() {
        return dir.resolve("broker.pem");
    }

    public Path clientConfig(String user) {
        return dir.resolve("client-" + user + ".properties");
    }

    /** Kafka client settings of {@code user}: SASL_SSL, SCRAM-SHA-512, trusting this broker's certificate. */
    public Map<String, Object> clientProperties(String user, String bootstrapServers) {
        String password = passwords.get(user);
        if (password == null) {
            throw new IllegalArgumentException("the broker has no user " + user + " (users: " + passwords.keySet() + ")");
        }
        Map<String, Object> p = new LinkedHashMap<>();
        p.put("bootstrap.servers", bootstrapServers);
        p.put("security.protocol", LISTENER);
        p.put("sasl.mechanism", MECHANISM);
        p.put("sasl.jaas.config", jaas(user, password));
        p.put("ssl.truststore.type", "PEM");
        p.put("ssl.truststore.location", certificate().toAbsolutePath().toString());
        return p;
    }

    /** Writes {@link #clientConfig} of every user for {@code bootstrapServers}. */
    void writeClientConfigs(String bootstrapServers) throws IOException {
        for (String user : passwords.keySet()) {
            Properties p = new Properties();
            clientProperties(user, bootstrapServers).forEach((k, v) -> p.setProperty(k, v.toString()));
            write(clientConfig(user), p, "Kafka client settings of user " + user + ": ampwatch ... --kafka-config " + clientConfig(user));
        }
    }

    /**
     * Creates or updates every user but the broker's own (made with the cluster) as the admin: a user
     * added to {@code users.properties} after the first start can log in too.
     */
    void upsertUsers(String bootstrapServers) {
        Map<String, Object> admin = clientProperties(ADMIN, bootstrapServers);
        try (org.apache.kafka.clients.admin.Admin client = org.apache.kafka.clients.admin.Admin.create(admin)) {
            List<org.apache.kafka.clients.admin.UserScramCredentialAlteration> upserts = new ArrayList<>();
            passwords.forEach((user, password) -> {
                if (!user.equals(ADMIN)) {
                    upserts.add(new org.apache.kafka.clients.admin.UserScramCredentialUpsertion(user,
                            new org.apache.kafka.clients.admin.ScramCredentialInfo(org.apache.kafka.clients.admin.ScramMechanism.SCRAM_SHA_512, 8192),
                            password));
                }
            });
            if (!upserts.isEmpty()) {
                client.alterUserScramCredentials(upserts).all().get(60, TimeUnit.SECONDS);
            }
        } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
            throw new IllegalStateException("cannot create the broker's SCRAM users " + users() + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while creating the broker's SCRAM users", e);
        }
    }

    /**
     * The broker's side: one SASL_SSL listener for clients (also between brokers) with SCRAM-SHA-512; the
     * KRaft controller listener on the loopback address, SASL_SSL with PLAIN (KRaft controllers cannot use
     * SCRAM: its credentials live in the metadata they serve) for the admin only; Kafka's standard
     * authorizer, with admin the only super user: other users may do what ACLs grant them
     * ({@code ampwatch acls}), nothing else.
     */
    void configure(Properties p, String host, int brokerPort, int controllerPort) {
        p.put("listeners", LISTENER + "://" + host + ":" + brokerPort + ",CONTROLLER://127.0.0.1:" + controllerPort);
        p.put("advertised.listeners", LISTENER + "://" + advertised(host) + ":" + brokerPort);
        p.put("controller.quorum.voters", "1@127.0.0.1:" + controllerPort);
        p.put("inter.broker.listener.name", LISTENER);
        p.put("listener.security.protocol.map", LISTENER + ":" + LISTENER + ",CONTROLLER:SASL_SSL");
        p.put("sasl.enabled.mechanisms", MECHANISM);
        p.put("sasl.mechanism.inter.broker.protocol", MECHANISM);
        p.put("listener.name.sasl_ssl.scram-sha-512.sasl.jaas.config", jaas(ADMIN, passwords.get(ADMIN)));
        p.put("listener.name.controller.sasl.enabled.mechanisms", "PLAIN");
        p.put("sasl.mechanism.controller.protocol", "PLAIN");
        p.put("listener.name.controller.plain.sasl.jaas.config", "org.apache.kafka.common.security.plain.PlainLoginModule required "
                + "username=\"" + ADMIN + "\" password=\"" + passwords.get(ADMIN) + "\" user_" + ADMIN + "=\"" + passwords.get(ADMIN) + "\";");
        p.put("authorizer.class.name", "org.apache.kafka.metadata.authorizer.StandardAuthorizer");
        p.put("allow.everyone.if.no.acl.found", "false");
        p.put("super.users", "User:" + ADMIN);
        p.put("ssl.keystore.type", "PKCS12");
        p.put("ssl.keystore.location", keyStore().toAbsolutePath().toString());
        p.put("ssl.keystore.password", storePassword);
        p.put("ssl.key.password", storePassword);
        p.put("ssl.truststore.type", "PEM");
        p.put("ssl.truststore.location", certificate().toAbsolutePath().toString());
        p.put("ssl.client.auth", "none");
    }

    /** The {@code kafka-storage format} arguments that create the SCRAM users with the cluster. */
    List<String> formatArguments() {
        List<String> args = new ArrayList<>();
        passwords.forEach((user, password) -> {
            args.add("--add-scram");
            args.add(MECHANISM + "=[name=" + user + ",password=" + password + "]");
        });
        return args;
    }

    /** A wildcard address is not one a client can reach; advertise this host's name for it. */
    static String advertised(String host) {
        if (host.equals("0.0.0.0") || host.equals("::")) {
            try {
                return InetAddress.getLocalHost().getCanonicalHostName();
            } catch (IOException e) {
                return "localhost";
            }
        }
        return host;
    }

    private void makeKey(String host) throws IOException {
        String keytool = Path.of(System.getProperty("java.home"), "bin", "keytool").toString();
        String advertised = advertised(host);
        List<String> names = new ArrayList<>(List.of("dns:localhost", "ip:127.0.0.1"));
        String own = (isIp(advertised) ? "ip:" : "dns:") + advertised;
        if (!names.contains(own)) {
            names.add(own);
        }
        Path key = keyStore();
        Path tmp = dir.resolve("broker.p12.tmp");
        Files.deleteIfExists(tmp);
        run(List.of(keytool, "-genkeypair", "-alias", "broker", "-keyalg", "EC", "-groupname", "secp256r1",
                "-sigalg", "SHA256withECDSA", "-dname", "CN=" + advertised + ",O=ampwatch broker", "-ext", "SAN=" + String.join(",", names),
                "-validity", "3650", "-storetype", "PKCS12", "-keystore", tmp.toString(), "-storepass:env", STORE_PASSWORD_ENV,
                "-keypass:env", STORE_PASSWORD_ENV));
        run(List.of(keytool, "-exportcert", "-rfc", "-alias", "broker", "-keystore", tmp.toString(), "-storetype", "PKCS12",
                "-storepass:env", STORE_PASSWORD_ENV, "-file", certificate().toString()));
        ownerOnly(tmp, "rw-------");
        Files.move(tmp, key, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
    }

    private static boolean isIp(String host) {
        return host.matches("[0-9.]+") || host.contains(":");
    }

    /** Runs keytool with the store's password in its environment (not its arguments, which {@code ps} shows). */
    private void run(List<String> command) throws IOException {
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
        builder.environment().put(STORE_PASSWORD_ENV, storePassword);
        Process process = builder.start();
        try {
            String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!process.waitFor(60, TimeUnit.SECONDS) || process.exitValue() != 0) {
                throw new IOException("keytool " + command.get(1) + " failed: " + out.strip());
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while keytool ran", e);
        }
    }

    private static String jaas(String user, String password) {
        return "org.apache.kafka.common.security.scram.ScramLoginModule required username=\"" + user + "\" password=\"" + password + "\";";
    }

    private static String password() {
        byte[] b = new byte[24];
        new SecureRandom().nextBytes(b);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(b);
    }

    private static void write(Path file, Properties p, String comment) throws IOException {
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        Files.deleteIfExists(tmp);
        Files.createFile(tmp);
        ownerOnly(tmp, "rw-------");
        try (Writer w = Files.newBufferedWriter(tmp, StandardCharsets.UTF_8)) {
            p.store(w, comment);
        }
        Files.move(tmp, file, java.nio.file.StandardCopyOption.REPLACE_EXISTING, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
    }

    private static void ownerOnly(Path path, String permissions) throws IOException {
        try {
            Files.setPosixFilePermissions(path, PosixFilePermissions.fromString(permissions));
        } catch (UnsupportedOperationException e) {
            // not a POSIX file system: the directory's own permissions are all there is
        }
    }
}
