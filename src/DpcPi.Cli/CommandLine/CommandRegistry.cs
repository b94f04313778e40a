using DpcPi.Cli.Commands;

namespace DpcPi.Cli.CommandLine;

/// <summary>Every subcommand, in the order `dpcpi --help` lists them.</summary>
internal static class CommandRegistry
{
    public static IReadOnlyList<ICommand> All { get; } =
    [
        new LatencyCommand(),
        new BenchCommand(),
        new DoctorCommand(),
        new RunCommand(),
        new WiringCommand(),
        new LabCommand(),
        new SoakCommand(),
    ];

    public static ICommand? Find(string name) => All.FirstOrDefault(c => c.Name == name);
}
