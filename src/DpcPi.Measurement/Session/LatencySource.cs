namespace DpcPi.Measurement;

/// <summary>Where the interrupts of a latency run come from.</summary>
public enum LatencySource
{
    /// <summary>A periodic timerfd on the ISR thread (cyclictest's measurement): latency from the programmed expiry.</summary>
    Timer,

    /// <summary>The fake GPIO backend: a virtual loopback jumper driven by the tool; runs anywhere.</summary>
    Fake,

    /// <summary>Real GPIO: the tool drives an output (or a gpio-sim pull file) wired to an input and times the kernel's edge timestamps.</summary>
    Gpio,

    /// <summary>
    /// A System.Device.Gpio driver the user keeps (LibGpiodDriver, SysFsDriver): the same wired line and stimulus as
    /// <see cref="Gpio"/>, but the edges come through the driver's callbacks (<see cref="LatencySessionOptions.CallbackSource"/>),
    /// so latency runs from the callback's entry (no kernel timestamps) and the driver's own losses are unknowable.
    /// </summary>
    Sdg,
}
