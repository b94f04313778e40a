namespace DpcPi.Gpio.Tests;

public sealed class SignalGeneratorTests
{
    [Fact]
    public void SquareWave_QuarterDuty_ProducesHighThenLowEachPeriod()
    {
        var w = SignalGenerators.SquareWave(100, 1000, 0.25, 2);
        Assert.Equal([new(100, PinValue.High), new(350, PinValue.Low), new(1100, PinValue.High), new FakeLevelChange(1350, PinValue.Low)], w);
    }

    [Theory]
    [InlineData(0.0)]
    [InlineData(1.0)]
    [InlineData(double.NaN)]
    public void SquareWave_DutyWithoutEdges_Throws(double duty) =>
        Assert.Throws<ArgumentOutOfRangeException>(() => SignalGenerators.SquareWave(0, 1000, duty, 1));

    [Fact]
    public void Pwm_OneKilohertz_HasMillisecondPeriod()
    {
        var w = SignalGenerators.Pwm(0, 1000, 0.5, 2);
        Assert.Equal([0L, 500_000, 1_000_000, 1_500_000], w.Select(c => c.TimestampNs));
    }

    [Fact]
    public void Pulse_ActiveLow_GoesLowThenHighAfterWidth()
    {
        Assert.Equal([new(10, PinValue.Low), new FakeLevelChange(60, PinValue.High)], SignalGenerators.Pulse(10, 50, PinValue.Low));
    }

    [Fact]
    public void SwitchBounce_SameSeed_IsDeterministicAndSettlesOnFinalLevel()
    {
        var a = SignalGenerators.SwitchBounce(0, PinValue.High, 3, 1000, 5000, seed: 42);
        var b = SignalGenerators.SwitchBounce(0, PinValue.High, 3, 1000, 5000, seed: 42);
        Assert.Equal(a, b);
        Assert.Equal(7, a.Length);
        Assert.Equal(PinValue.High, a[^1].Level);
        for (var i = 1; i < a.Length; i++)
        {
            Assert.NotEqual(a[i - 1].Level, a[i].Level);
            Assert.InRange(a[i].TimestampNs - a[i - 1].TimestampNs, 1000, 5000);
        }
    }

    [Fact]
    public void QuadratureEncoder_Forward_ALeadsBWithGrayCode()
    {
        var (a, b) = SignalGenerators.QuadratureEncoder(0, 4, 10);
        Assert.Equal([new(0, PinValue.High), new FakeLevelChange(20, PinValue.Low)], a);
        Assert.Equal([new(10, PinValue.High), new FakeLevelChange(30, PinValue.Low)], b);
    }

    [Fact]
    public void QuadratureEncoder_Reverse_BLeadsA()
    {
        var (a, b) = SignalGenerators.QuadratureEncoder(0, -2, 10);
        Assert.Equal([new FakeLevelChange(10, PinValue.High)], a);
        Assert.Equal([new FakeLevelChange(0, PinValue.High)], b);
    }
}
