using DpcPi.Cli.CommandLine;
using DpcPi.Labs.Framework;

namespace DpcPi.Cli.Commands;

/// <summary>`dpcpi lab list` and `dpcpi lab NAME --backend fake`: the teaching labs (wiring/&lt;lab&gt;/README.md).</summary>
internal sealed class LabCommand : ICommand
{
    public string Name => "lab";

    public string Summary => "list the labs, or run one (deterministic fake scenario: --backend fake)";

    public string Usage => """
        usage: dpcpi lab list
               dpcpi lab NAME --backend fake

        list             the labs with a one-line summary; each has a recipe in wiring/NAME/README.md.
        NAME             run lab NAME and print its report and figures.
        --backend fake   the deterministic fake scenario (manual kernel on a virtual clock): exact figures.
        """;

    public Task<int> RunAsync(IReadOnlyList<string> args, TextWriter output, CancellationToken cancellationToken)
    {
        var r = new ArgReader(Name, args);
        var name = r.Positional() ?? throw r.Error("missing lab name or 'list'; allowed: list, " + string.Join(", ", LabCatalog.All.Select(l => l.Name)));
        if (name == "list")
        {
            r.EnsureEmpty();
            var width = LabCatalog.All.Max(l => l.Name.Length);
            foreach (var l in LabCatalog.All)
            {
                output.WriteLine($"{l.Name.PadRight(width)}  {l.Summary}");
            }

            return Task.FromResult(ExitCodes.Ok);
        }

        var lab = LabCatalog.Find(name) ?? throw r.Error($"unknown lab '{name}'; allowed: {string.Join(", ", LabCatalog.All.Select(l => l.Name))}");
        var backend = r.String(null, "backend") ?? r.String(null, "source") ?? "fake"; // --source: latency's word for it
        r.EnsureEmpty();
        if (backend != "fake")
        {
            throw r.Error($"--backend '{backend}' is not available for labs yet; allowed: fake");
        }

        var result = lab.RunFake();
        output.Write(result.Format());
        return Task.FromResult(ExitCodes.Ok);
    }
}
