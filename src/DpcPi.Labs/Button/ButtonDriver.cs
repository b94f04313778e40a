using DpcPi.Kernel;
using DpcPi.Labs.Framework;

namespace DpcPi.Labs.Button;

/// <summary>
/// A push button on a pulled-up input (pressed = Low). The ISR only timestamps: it copies the
/// kernel's edge timestamp into the ring and requests the DpcForIsr. The DPC debounces in software:
/// a level counts once it has been stable for <see cref="StableNs"/>, and the press is dated at the
/// FIRST edge of its bounce burst, the moment the contact really closed.
/// </summary>
public sealed class ButtonDriver
{
    private readonly List<long> _pressTimes = [];
    private readonly List<long> _decisionTimes = [];
    private bool _committedHigh = true;
    private bool _lastHigh = true;
    private bool _inBurst;
    private long _burstStartNs;
    private long _lastEdgeNs;

    public ButtonDriver(DpcKernel kernel, long stableNs = 5_000_000)
    {
        StableNs = stableNs;
        Device = kernel.CreateDevice("button", static (_, ctx, _, _) => ((ButtonDriver)((DeviceObject)ctx!).Extension!).DpcForIsr(), this);
    }

    public long StableNs { get; }

    public DeviceObject Device { get; }

    public EdgeRing Ring { get; } = new();

    /// <summary>Raw edges the ISR saw (what a driver without debouncing would count).</summary>
    public long RawEdges { get; private set; }

    public int Presses => _pressTimes.Count;

    public int Releases { get; private set; }

    /// <summary>When each press began (first edge of its burst, kernel timestamp).</summary>
    public IReadOnlyList<long> PressTimes => _pressTimes;

    /// <summary>When the DPC could decide each press (last bounce + stable period).</summary>
    public IReadOnlyList<long> DecisionTimes => _decisionTimes;

    public static bool Isr(Interrupt interrupt, object? context, ref InterruptFrame frame)
    {
        var driver = (ButtonDriver)((DeviceObject)context!).Extension!;
        driver.RawEdges++;
        return driver.Ring.QueueFromIsr(driver.Device, frame);
    }

    /// <summary>
    /// Decides a burst that has been quiet for the stable period by <paramref name="nowNs"/>. A driver
    /// on real hardware calls this from a timer DPC set for last edge + stable period; the fake run
    /// calls it at the end.
    /// </summary>
    public void Settle(long nowNs)
    {
        if (_inBurst && nowNs - _lastEdgeNs >= StableNs)
        {
            Commit();
        }
    }

    private void DpcForIsr()
    {
        while (Ring.TryRead(out var e))
        {
            Settle(e.TimestampNs);
            if (!_inBurst)
            {
                _inBurst = true;
                _burstStartNs = e.TimestampNs;
            }

            _lastEdgeNs = e.TimestampNs;
            _lastHigh = e.Rising;
        }
    }

    private void Commit()
    {
        _inBurst = false;
        if (_lastHigh == _committedHigh)
        {
            return; // a glitch that came back: no change
        }

        _committedHigh = _lastHigh;
        if (!_committedHigh)
        {
            _pressTimes.Add(_burstStartNs);
            _decisionTimes.Add(_lastEdgeNs + StableNs);
        }
        else
        {
            Releases++;
        }
    }
}
