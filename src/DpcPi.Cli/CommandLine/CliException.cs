namespace DpcPi.Cli.CommandLine;

/// <summary>A user-facing failure: one line on stderr and a distinct exit code, never a stack trace.</summary>
public sealed class CliException : Exception
{
    public CliException(string message, int exitCode = ExitCodes.Usage)
        : base(message) => ExitCode = exitCode;

    public CliException()
    {
    }

    public CliException(string message)
        : base(message) => ExitCode = ExitCodes.Usage;

    public CliException(string message, Exception innerException)
        : base(message, innerException) => ExitCode = ExitCodes.Usage;

    public int ExitCode { get; }
}
