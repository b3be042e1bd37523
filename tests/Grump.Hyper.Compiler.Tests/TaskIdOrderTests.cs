using CsCheck;
using Grump.Hyper.Compiler.Planning;

namespace Grump.Hyper.Compiler.Tests;

/// <summary>
/// Sorting tasks through their modules gives the order of their whole ids ("module:feature", ordinal), on ids built
/// from characters either side of ':' so that one module id is often the start of another; and it declines exactly
/// where whole ids must be compared.
/// </summary>
public sealed class TaskIdOrderTests
{
    private static readonly Gen<string> Names = Gen.Char["ab01-./_"].Array[1, 4].Select(chars => new string(chars));

    /// <summary>Modules (ids, in any numbering) with their features; ids and features may repeat.</summary>
    private static readonly Gen<(string Id, string[] Features)[]> Projects =
        Gen.Select(Names, Names.Array[0, 4]).Array[1, 30];

    private static (int[] ModuleOf, string[] Ids, string[] Features) Tasks((string Id, string[] Features)[] modules, int[] numbering)
    {
        var tasks = modules.SelectMany((m, k) => m.Features.Select(f => (Module: numbering[k], m.Id, Feature: f))).ToArray();
        return ([.. tasks.Select(t => t.Module)], [.. tasks.Select(t => t.Id)], [.. tasks.Select(t => t.Feature)]);
    }

    [Fact]
    public void The_order_through_modules_is_the_order_of_the_whole_ids()
    {
        Gen.Select(Projects, Gen.Bool).Sample((modules, byId) =>
        {
            // Numbered in id order (as a link's positions are), or in the order generated.
            var ranked = modules.Select((m, j) => (m.Id, j)).OrderBy(x => x.Id, StringComparer.Ordinal).ThenBy(x => x.j).Select(x => x.j).ToList();
            var numbering = byId ? [.. Enumerable.Range(0, modules.Length).Select(k => ranked.IndexOf(k))] : Enumerable.Range(0, modules.Length).ToArray();
            var (moduleOf, ids, features) = Tasks(modules, numbering);
            var order = TaskIdOrder.Order(moduleOf, modules.Length, ids, features);
            var whole = Enumerable.Range(0, ids.Length).Select(i => ids[i] + ":" + features[i]).ToArray();
            var withTasks = modules.Where(m => m.Features.Length > 0).ToArray();
            var clash = withTasks.Select(m => m.Id).Distinct(StringComparer.Ordinal).Count() < withTasks.Length
                || withTasks.Any(m => m.Features.Distinct(StringComparer.Ordinal).Count() < m.Features.Length);
            if (clash)
            {
                Assert.Null(order); // one id twice, or one feature twice in a module: only whole ids decide
                return;
            }

            Assert.NotNull(order);
            Assert.Equal(whole.Order(StringComparer.Ordinal), order.Select(i => whole[i]));
        }, iter: 2000, seed: "4nV8qTz1Wc6M");
    }

    [Fact]
    public void A_module_id_holding_a_colon_or_a_repeated_id_is_left_to_whole_ids()
    {
        Assert.Null(TaskIdOrder.Order([0, 1], 2, ["a:b", "a"], ["x", "y"]));
        Assert.Null(TaskIdOrder.Order([0, 1], 2, ["a", "a"], ["x", "y"]));
        Assert.Null(TaskIdOrder.Order([0, 0], 1, ["a", "a"], ["x", "x"]));
        Assert.Equal([1, 0, 2], TaskIdOrder.Order([0, 1, 0], 2, ["a", "a-b", "a"], ["x", "y", "z"]) ?? []);
    }

    [Fact]
    public void Module_ids_compare_as_the_start_of_their_task_ids()
    {
        Gen.Select(Names, Names).Sample((a, b) =>
            Assert.Equal(Math.Sign(string.CompareOrdinal(a + ":", b + ":")), Math.Sign(TaskIdOrder.CompareModules(a, b))), iter: 2000, seed: "8rB2mXw5Kd0J");
    }
}
