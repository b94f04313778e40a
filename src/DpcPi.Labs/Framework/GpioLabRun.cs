namespace DpcPi.Labs.Framework;

/// <summary>How long a lab runs on real pins, where it talks to the student while it runs, and when to stop early.</summary>
public sealed record GpioLabRun(TimeSpan Duration, TextWriter Progress, CancellationToken Cancellation)
{
    /// <summary>Waits out <see cref="Duration"/>; false when cancelled first (Ctrl+C ends the run early and still reports).</summary>
    public bool Wait() => !Cancellation.WaitHandle.WaitOne(Duration);
}
