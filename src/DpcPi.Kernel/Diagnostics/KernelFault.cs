namespace DpcPi.Kernel;

/// <summary>A fatal kernel event under a fail-fast policy: the Windows bug check, as a report.</summary>
public sealed record KernelFault(string Code, string Message, int Cpu, string? Routine, long DurationNs, Exception? Exception = null)
{
    public override string ToString() => $"{Code}: {Message}";
}
