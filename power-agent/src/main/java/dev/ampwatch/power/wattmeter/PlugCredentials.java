package dev.ampwatch.power.wattmeter;

/**
 * What a smart plug wants before it answers: a user and a secret, the device's web password (Shelly, Tasmota) or
 * API token (myStrom). The secret is never part of a message: {@link #toString()} names only the user and where
 * the secret came from. Immutable.
 *
 * @param user the user name sent where the plug takes one (default {@value #DEFAULT_USER}, the only one Shelly
 *     and Tasmota have)
 * @param secret the password or token
 * @param from the setting the secret came from, for messages (e.g. {@code wattmeter.password-file /etc/...})
 */
record PlugCredentials(String user, String secret, String from) {
    static final String DEFAULT_USER = "admin";

    @Override
    public String toString() {
        return "user '" + user + "' with the secret from " + from;
    }
}
