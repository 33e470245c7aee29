package dev.ampwatch.power.wattmeter;

import dev.ampwatch.power.PowerSourceException;
import java.net.URI;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.Optional;

/**
 * How one plug session proves who it is: its {@link PlugCredentials} (or none), carried in the plug's own way
 * (Tasmota's query, myStrom's token header: {@link SmartPlug#withCredentials}, {@link SmartPlug#credentialHeaders}),
 * plus the answer to an HTTP 401 challenge once the plug sent one (Digest, see {@link HttpDigest}; or Basic), kept
 * for the following requests. Its messages name the URL without the password and never the secret. Not
 * thread-safe: one per session, whose reads never overlap.
 */
final class PlugAuthentication {
    private final SmartPlug plug;
    private final PlugCredentials credentials; // null: none configured
    private HttpDigest digest; // the digest challenge being answered, once the plug sent one
    private String basic; // the Basic Authorization header, once the plug asked for it

    PlugAuthentication(SmartPlug plug, PlugCredentials credentials) {
        this.plug = plug;
        this.credentials = credentials;
    }

    /** The URL requested for {@code uri}: with the credentials where the plug takes them in the query. */
    URI requested(URI uri) {
        return credentials == null ? uri : plug.withCredentials(uri, credentials);
    }

    /** Adds the credentials' headers to a request of {@code target} (path and query, as sent). */
    void addTo(HttpRequest.Builder request, String target) {
        if (credentials == null) {
            return;
        }
        plug.credentialHeaders(credentials).forEach(request::header);
        if (digest != null) {
            request.header("Authorization", digest.authorization("GET", target));
        } else if (basic != null) {
            request.header("Authorization", basic);
        }
    }

    /**
     * Takes the challenge of a 401 answer from {@code uri} to answer it from now on; false when there is nothing to
     * answer with (no credentials, no usable challenge) or the challenge just answered was refused (a new nonce that is
     * not stale is answered once more: servers that expire nonces do not all say {@code stale}).
     */
    boolean learn(URI uri, List<String> offered) throws PowerSourceException {
        if (credentials == null) {
            return false;
        }
        Optional<HttpDigest.Challenge> challenge;
        try {
            challenge = HttpDigest.strongest(offered);
        } catch (IllegalArgumentException e) {
            if (!HttpDigest.offersBasic(offered)) {
                throw new PowerSourceException(uri + " wants HTTP authentication, but " + e.getMessage(), e);
            }
            challenge = Optional.empty(); // a digest this client cannot answer, but Basic is offered too
        }
        if (challenge.isPresent()) {
            HttpDigest.Challenge c = challenge.get();
            if (digest != null && !c.stale() && c.nonce().equals(digest.challenge().nonce())) {
                return false; // the same nonce, refused: the credentials are wrong
            }
            if (digest == null) {
                digest = new HttpDigest(credentials.user(), credentials.secret(), c);
            } else {
                digest.renew(c);
            }
            return true;
        }
        if (HttpDigest.offersBasic(offered) && basic == null) {
            basic = "Basic " + Base64.getEncoder().encodeToString(
                    (credentials.user() + ":" + credentials.secret()).getBytes(StandardCharsets.UTF_8));
            return true;
        }
        return false;
    }

    /**
     * The failure of a plug at {@code uri} that wants credentials and has none, or refused those it was given:
     * {@code plugSays} when it said so in its own way (Tasmota's WARNING), else the HTTP status and its challenges.
     */
    PowerSourceException refusedOrWanted(URI uri, int status, List<String> offered, String plugSays) {
        String what = plugSays != null ? "it says \"" + plugSays + "\"" : "HTTP " + status + challengeText(offered);
        if (credentials == null) {
            return new PowerSourceException(uri + " wants a password or token (" + what + "): set "
                    + WattmeterSource.PASSWORD_FILE + " to a file holding it (or " + WattmeterSource.PASSWORD
                    + ", or the variable AMPWATCH_WATTMETER_PASSWORD); the user is '" + PlugCredentials.DEFAULT_USER
                    + "' unless " + WattmeterSource.USER + " says otherwise");
        }
        return new PowerSourceException(uri + " refused " + credentials + " (" + what + "): check the password or token");
    }

    /** Whether credentials are configured (a 403 without them is a plug asking for some). */
    boolean configured() {
        return credentials != null;
    }

    private static String challengeText(List<String> offered) {
        if (offered.isEmpty()) {
            return "";
        }
        try {
            Optional<HttpDigest.Challenge> c = HttpDigest.strongest(offered);
            if (c.isPresent()) {
                return ", digest " + c.get().algorithm() + (c.get().session() ? "-sess" : "") + " realm '"
                        + c.get().realm() + "'";
            }
        } catch (IllegalArgumentException e) {
            return ", " + e.getMessage();
        }
        return HttpDigest.offersBasic(offered) ? ", basic" : ", " + String.join("; ", offered);
    }
}
