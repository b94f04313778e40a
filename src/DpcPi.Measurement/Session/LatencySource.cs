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
}
