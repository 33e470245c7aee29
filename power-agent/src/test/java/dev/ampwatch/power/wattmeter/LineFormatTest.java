package dev.ampwatch.power.wattmeter;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

import java.util.Optional;
import java.util.OptionalDouble;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;

class LineFormatTest {

    private final LineFormat wattsUp = LineFormat.of("wattsup");

    @Test
    void wattsUpDataRecordInTenthsOfWattsAndWattHours() {
        // W=123.4 W, V=119.1 V, A=0.970 A, WH=5.6 Wh
        Optional<MeterValue> v = wattsUp.parse("#d,-,18,1234,1191,970,56,0,0,0,1300,1200,1000,1100,1180,900,95,0,0,600,1300;");
        assertThat(v).contains(new MeterValue(OptionalDouble.of(123.4), OptionalLong.of(20_160_000_000L)));
    }

    @Test
    void wattsUpFieldsTheMeterLeavesEmptyReadAsUnderscores() {
        assertThat(wattsUp.parse("#d,-,18,124,1191,97,_,_,_,_,124,_,_,_,_,_,100,_,_,_,_;"))
                .contains(new MeterValue(OptionalDouble.of(12.4), OptionalLong.empty()));
    }

    @Test
    void wattsUpOtherRecordsAndNoiseAreIgnored() {
        assertThat(wattsUp.parse("#h,-,18,W,V,A,WH,Cost,WH/Mo,Cost/Mo,Wmax,Vmax,Amax,Wmin,Vmin,Amin,PF,DC,PC,HZ,VA;"))
                .isEmpty();
        assertThat(wattsUp.parse("garbage")).isEmpty();
    }

    @Test
    void wattsUpTakesTheLastRecordOfALine() {
        assertThat(wattsUp.parse("#d,-,18,1000,1200,800,10;#d,-,18,2000,1200,1600,11;"))
                .map(MeterValue::watts).contains(OptionalDouble.of(200.0));
    }

    @Test
    void wattsUpBadNumbersAreErrorsNamingTheField() {
        assertThatIllegalArgumentException().isThrownBy(() -> wattsUp.parse("#d,-,18,12x4,1191,97,_;"))
                .withMessage("Watts Up? field W is not a number: '12x4' in #d,-,18,12x4,1191,97,_");
        assertThatIllegalArgumentException().isThrownBy(() -> wattsUp.parse("#d,-,18"))
                .withMessageStartingWith("Watts Up? record with 3 fields");
    }

    @Test
    void wattsUpSendsItsLoggingCommand() {
        assertThat(wattsUp.defaultInit()).contains("#L,W,3,E,,1;");
    }

    @Test
    void aCustomRegexWithWattsAndKwh() {
        LineFormat f = LineFormat.of("P=(?<watts>[0-9.]+)W E=(?<kwh>[0-9.]+)kWh");
        assertThat(f.parse("12:00:01 P=312.5W E=1.234kWh U=230V"))
                .contains(new MeterValue(OptionalDouble.of(312.5), OptionalLong.of(4_442_400_000_000L)));
        assertThat(f.parse("boot message")).isEmpty();
        assertThat(f.defaultInit()).isEmpty();
    }

    @Test
    void aCustomRegexWithWattsOnlyOrEnergyOnly() {
        assertThat(LineFormat.of("^(?<watts>\\d+(\\.\\d+)?)$").parse("97.5"))
                .contains(new MeterValue(OptionalDouble.of(97.5), OptionalLong.empty()));
        assertThat(LineFormat.of("E=(?<joules>\\d+)").parse("E=3600"))
                .contains(new MeterValue(OptionalDouble.empty(), OptionalLong.of(3_600_000_000L)));
        assertThat(LineFormat.of("(?<wh>[\\d.]+) Wh").parse("0.5 Wh"))
                .contains(new MeterValue(OptionalDouble.empty(), OptionalLong.of(1_800_000_000L)));
    }

    @Test
    void aCustomRegexMustNameWhatItCaptures() {
        assertThatIllegalArgumentException().isThrownBy(() -> LineFormat.of("P=([0-9.]+)W"))
                .withMessageContaining("has no named group (?<watts>...)");
        assertThatIllegalArgumentException().isThrownBy(() -> LineFormat.of("(?<wh>\\d+) (?<kwh>\\d+)"))
                .withMessageContaining("use one energy group");
        assertThatIllegalArgumentException().isThrownBy(() -> LineFormat.of("(?<watts>[0-9"))
                .withMessageStartingWith("not a regular expression");
    }

    @Test
    void aCustomRegexWithANegativePowerIsAnError() {
        assertThatIllegalArgumentException().isThrownBy(() -> LineFormat.of("P=(?<watts>-?[0-9.]+)").parse("P=-1"))
                .withMessageContaining("power must be finite and >= 0");
    }
}
