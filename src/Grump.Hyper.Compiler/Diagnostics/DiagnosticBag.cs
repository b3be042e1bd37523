using System.Collections.Immutable;
using Grump.Hyper.Compiler.Text;

namespace Grump.Hyper.Compiler.Diagnostics;

/// <summary>Collects diagnostics for one stage; stages report and carry on rather than throw.</summary>
internal sealed class DiagnosticBag
{
    private readonly List<Diagnostic> _items = [];

    public int Count => _items.Count;

    public void Report(DiagnosticDescriptor descriptor, SourceText source, int offset, params object?[] args)
    {
        var position = source.GetPosition(offset);
        _items.Add(new Diagnostic(descriptor, source.Path, position.Line, position.Column, descriptor.Format(args)));
    }

    public void Report(DiagnosticDescriptor descriptor, string file, int line, int column, params object?[] args) =>
        _items.Add(new Diagnostic(descriptor, file, line, column, descriptor.Format(args)));

    public void AddRange(IEnumerable<Diagnostic> diagnostics) => _items.AddRange(diagnostics);

    public ImmutableArray<Diagnostic> ToImmutableSorted()
    {
        var array = _items.ToArray();
        Array.Sort(array, Diagnostic.Compare);
        return ImmutableArray.Create(array);
    }
}
