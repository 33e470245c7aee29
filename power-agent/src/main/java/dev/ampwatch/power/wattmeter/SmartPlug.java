package dev.ampwatch.power.wattmeter;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ampwatch.power.PowerSourceException;
import java.math.BigDecimal;
import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.OptionalLong;

/**
 * The JSON HTTP API of one kind of smart plug: which URL to GET and how its answer becomes a
 * {@link MeterValue}. Each plug's own energy total is used where the answer has one. Immutable and
 * thread-safe.
 */
abstract class SmartPlug {

    /** A name for messages, e.g. {@code "Shelly"}. */
    abstract String kind();

    /** URLs to try at open, in order; the first whose answer {@link #parse}s is read from then on. */
    abstract List<URI> candidates(URI base);

    /** The value in {@code answer}, which came from {@code uri}. */
    abstract MeterValue parse(JsonNode answer, URI uri) throws PowerSourceException;

    /**
     * The URL actually requested for {@code uri} with {@code credentials}: {@code uri} itself unless the plug takes
     * its password in the query (Tasmota). Messages show {@code uri}, never this.
     */
    URI withCredentials(URI uri, PlugCredentials credentials) {
        return uri;
    }

    /** Headers that carry {@code credentials} in the plug's own way (myStrom's token); none by default. */
    Map<String, String> credentialHeaders(PlugCredentials credentials) {
        return Map.of();
    }

    /**
     * When {@code answer} is the plug saying, in its own way rather than with HTTP 401, that it wants credentials
     * (Tasmota's {@code WARNING}): what it said; else empty.
     */
    Optional<String> credentialsWanted(JsonNode answer) {
        return Optional.empty();
    }

    static SmartPlug of(WattmeterSettings settings) {
        return switch (settings.type()) {
            case SHELLY -> new Shelly(settings.switchId());
            case TASMOTA -> new Tasmota();
            case MYSTROM -> new MyStrom();
            default -> throw new IllegalArgumentException("not a smart plug: " + settings.type());
        };
    }

    /**
     * Shelly Gen2+ (Plus/Pro/Gen3 plugs and relays with metering) over RPC: {@code GET
     * /rpc/Switch.GetStatus?id=N} answers {@code {"id":0, "apower": W, "aenergy": {"total": Wh,
     * "by_minute": [mWh, ...], "minute_ts": s}, ...}}. {@code apower} is the power, {@code
     * aenergy.total} the device's energy total in Wh (should it restart from 0, the analyzer
     * counts a reset and skips that one interval).
     */
    static final class Shelly extends SmartPlug {
        private final int switchId;

        Shelly(int switchId) {
            this.switchId = switchId;
        }

        @Override
        String kind() {
            return "Shelly";
        }

        @Override
        List<URI> candidates(URI base) {
            return List.of(URI.create(base + "/rpc/Switch.GetStatus?id=" + switchId));
        }

        @Override
        MeterValue parse(JsonNode answer, URI uri) throws PowerSourceException {
            BigDecimal watts = Json.number(answer, "apower", uri)
                    .orElseThrow(() -> Json.missing("apower", uri, "is switch " + switchId + " a metering one?"));
            OptionalLong energy = OptionalLong.empty();
            Optional<BigDecimal> total = Json.number(answer, "aenergy.total", uri);
            if (total.isPresent()) {
                energy = OptionalLong.of(Json.convert(total.get(), Energy.UJ_PER_WH, "aenergy.total", uri));
            }
            return Json.value(OptionalDouble.of(watts.doubleValue()), energy, "apower", uri);
        }
    }

    /**
     * Tasmota: {@code GET /cm?cmnd=Status%2010} answers {@code {"StatusSNS": {"Time": ...,
     * "ENERGY": {"Total": kWh, "Power": W, ...}}}}; firmware before 9.x answers the same to {@code
     * Status 8}, which is tried when {@code Status 10} has no {@code StatusSNS.ENERGY}. On
     * multi-channel devices {@code Power} (and {@code Total}) may be arrays; the channels are
     * added up. {@code Total} is persisted by the device across restarts.
     */
    static final class Tasmota extends SmartPlug {
        @Override
        String kind() {
            return "Tasmota";
        }

        @Override
        List<URI> candidates(URI base) {
            return List.of(URI.create(base + "/cm?cmnd=Status%2010"), URI.create(base + "/cm?cmnd=Status%208"));
        }

        /** With a web password set, Tasmota's HTTP API takes {@code user} and {@code password} in the query. */
        @Override
        URI withCredentials(URI uri, PlugCredentials credentials) {
            return URI.create(uri + "&user=" + URLEncoder.encode(credentials.user(), StandardCharsets.UTF_8)
                    + "&password=" + URLEncoder.encode(credentials.secret(), StandardCharsets.UTF_8));
        }

        /** Without the right password Tasmota answers {@code {"WARNING":"Need user=<username>&password=<password>"}}. */
        @Override
        Optional<String> credentialsWanted(JsonNode answer) {
            String warning = answer.path("WARNING").asText("");
            return warning.contains("Need user") ? Optional.of(warning) : Optional.empty();
        }

        @Override
        MeterValue parse(JsonNode answer, URI uri) throws PowerSourceException {
            if (!answer.path("StatusSNS").path("ENERGY").isObject()) {
                throw new PowerSourceException(uri + ": no StatusSNS.ENERGY in the answer; is this a Tasmota "
                        + "device with an energy monitor? (got " + Json.snippet(answer) + ")");
            }
            BigDecimal watts = Json.sum(answer, "StatusSNS.ENERGY.Power", uri)
                    .orElseThrow(() -> Json.missing("StatusSNS.ENERGY.Power", uri, null));
            OptionalLong energy = OptionalLong.empty();
            Optional<BigDecimal> total = Json.sum(answer, "StatusSNS.ENERGY.Total", uri);
            if (total.isPresent()) {
                energy = OptionalLong.of(Json.convert(total.get(), Energy.UJ_PER_KWH, "StatusSNS.ENERGY.Total", uri));
            }
            return Json.value(OptionalDouble.of(watts.doubleValue()), energy, "StatusSNS.ENERGY.Power", uri);
        }
    }

    /**
     * myStrom WiFi Switch: {@code GET /report} answers {@code {"power": W, "Ws": W, "relay": true,
     * "temperature": C, "boot_id": ..., "energy_since_boot": Ws, "time_since_boot": s}}. {@code
     * power} is the power; {@code energy_since_boot} (newer firmware) the energy since the last boot
     * in watt-seconds, i.e. joules. {@code Ws}, despite its name, is an average power in watts over
     * a firmware-defined recent window, not energy, and is not used.
     */
    static final class MyStrom extends SmartPlug {
        @Override
        String kind() {
            return "myStrom";
        }

        @Override
        List<URI> candidates(URI base) {
            return List.of(URI.create(base + "/report"));
        }

        /** A token set in the switch's web interface must come with every request, as the header {@code Token}. */
        @Override
        Map<String, String> credentialHeaders(PlugCredentials credentials) {
            return Map.of("Token", credentials.secret());
        }

        @Override
        MeterValue parse(JsonNode answer, URI uri) throws PowerSourceException {
            BigDecimal watts = Json.number(answer, "power", uri).orElseThrow(() -> Json.missing("power", uri, null));
            OptionalLong energy = OptionalLong.empty();
            Optional<BigDecimal> total = Json.number(answer, "energy_since_boot", uri);
            if (total.isPresent()) {
                energy = OptionalLong.of(Json.convert(total.get(), Energy.UJ_PER_J, "energy_since_boot", uri));
            }
            return Json.value(OptionalDouble.of(watts.doubleValue()), energy, "power", uri);
        }
    }
}
