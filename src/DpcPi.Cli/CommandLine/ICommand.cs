namespace DpcPi.Cli.CommandLine;

/// <summary>One `dpcpi` subcommand. Implementations live one per file under Commands/.</summary>
internal interface ICommand
{
    string Name { get; }

    /// <summary>One line for `dpcpi --help`.</summary>
    string Summary { get; }

    /// <summary>The command's full usage text.</summary>
    string Usage { get; }

    Task<int> RunAsync(IReadOnlyList<string> args, TextWriter output, CancellationToken cancellationToken);
}
