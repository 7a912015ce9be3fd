# Print an optspec for argparse to handle cmd's options that are independent of any subcommand.
function __fish_dcnc_global_optspecs
    string join \n message-format= color= h/help V/version
end

function __fish_dcnc_needs_command
    # Figure out if the current invocation already has a command.
    set -l cmd (commandline -opc)
    set -e cmd[1]
    argparse -s (__fish_dcnc_global_optspecs) -- $cmd 2>/dev/null
    or return
    if set -q argv[1]
        # Also print the command, so this can be used to figure out what it is.
        echo $argv[1]
        return 1
    end
    return 0
end

function __fish_dcnc_using_subcommand
    set -l cmd (__fish_dcnc_needs_command)
    test -z "$cmd"
    and return 1
    contains -- $cmd[1] $argv
end

complete -c dcnc -n "__fish_dcnc_needs_command" -l message-format -d 'How to print diagnostics and results: human (diagnostics on stderr), short (one `file:line:col: severity[CODE]: message` line each, stderr), github (workflow commands that annotate a pull request, stdout), json (every stdout line a JSON object; see the book)' -r -f -a "human\t''
short\t''
github\t''
json\t''"
complete -c dcnc -n "__fish_dcnc_needs_command" -l color -d 'When to colour output: auto (only on a terminal, and not when NO_COLOR is set; CLICOLOR_FORCE forces it), always, never' -r -f -a "auto\t''
always\t''
never\t''"
complete -c dcnc -n "__fish_dcnc_needs_command" -s h -l help -d 'Print help'
complete -c dcnc -n "__fish_dcnc_needs_command" -s V -l version -d 'Print version'
complete -c dcnc -n "__fish_dcnc_needs_command" -f -a "init" -d 'Start a config repository: a commented dcn.yaml to fill in, its schema, a .gitignore'
complete -c dcnc -n "__fish_dcnc_needs_command" -f -a "check" -d 'Check a spec and report every problem found'
complete -c dcnc -n "__fish_dcnc_needs_command" -f -a "build" -d 'Check a spec and write the complete output tree'
complete -c dcnc -n "__fish_dcnc_needs_command" -f -a "graph" -d 'Print the deployment\'s step graph'
complete -c dcnc -n "__fish_dcnc_needs_command" -f -a "plan" -d 'List the steps to run again to go from one spec to another, in order, and why'
complete -c dcnc -n "__fish_dcnc_needs_command" -f -a "targets" -d 'Print the release targets and what each one uses of tripleo-heat-templates'
complete -c dcnc -n "__fish_dcnc_needs_command" -f -a "schema" -d 'Print the JSON schema of the spec'
complete -c dcnc -n "__fish_dcnc_needs_command" -f -a "import" -d 'Write the spec of an existing TripleO DCN deployment (its deploy scripts and env files)'
complete -c dcnc -n "__fish_dcnc_needs_command" -f -a "explain" -d 'Explain a diagnostic code, e.g. `dcnc explain DCN010`, or list them all'
complete -c dcnc -n "__fish_dcnc_needs_command" -f -a "completions" -d 'Print the shell completion script for SHELL'
complete -c dcnc -n "__fish_dcnc_needs_command" -f -a "man" -d 'Print the man page of dcnc, or write the pages of dcnc and every command into DIR'
complete -c dcnc -n "__fish_dcnc_needs_command" -f -a "docs" -d 'Write the book\'s generated reference pages into DIR'
complete -c dcnc -n "__fish_dcnc_needs_command" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c dcnc -n "__fish_dcnc_using_subcommand init" -l edges -d 'How many edge sites to start with (named dcn0, dcn1, ...)' -r
complete -c dcnc -n "__fish_dcnc_using_subcommand init" -l target -d 'The release target' -r -f -a "wallaby\t''
ussuri-poc\t''
ussuri\t''
tht-18\t''
rhoso-18\t''"
complete -c dcnc -n "__fish_dcnc_using_subcommand init" -l topology -d 'How edges get images' -r -f -a "multistore\t'Every site\'s Ceph is a Glance store; images are copied to the edges'
glance-cache\t'Central Glance on swift; an image cache in each edge\'s Glance'"
complete -c dcnc -n "__fish_dcnc_using_subcommand init" -l message-format -d 'How to print diagnostics and results: human (diagnostics on stderr), short (one `file:line:col: severity[CODE]: message` line each, stderr), github (workflow commands that annotate a pull request, stdout), json (every stdout line a JSON object; see the book)' -r -f -a "human\t''
short\t''
github\t''
json\t''"
complete -c dcnc -n "__fish_dcnc_using_subcommand init" -l color -d 'When to colour output: auto (only on a terminal, and not when NO_COLOR is set; CLICOLOR_FORCE forces it), always, never' -r -f -a "auto\t''
always\t''
never\t''"
complete -c dcnc -n "__fish_dcnc_using_subcommand init" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c dcnc -n "__fish_dcnc_using_subcommand check" -l target -d 'Compile for this release target instead of the spec\'s `target`' -r -f -a "wallaby\t''
ussuri-poc\t''
ussuri\t''
tht-18\t''
rhoso-18\t''"
complete -c dcnc -n "__fish_dcnc_using_subcommand check" -l message-format -d 'How to print diagnostics and results: human (diagnostics on stderr), short (one `file:line:col: severity[CODE]: message` line each, stderr), github (workflow commands that annotate a pull request, stdout), json (every stdout line a JSON object; see the book)' -r -f -a "human\t''
short\t''
github\t''
json\t''"
complete -c dcnc -n "__fish_dcnc_using_subcommand check" -l color -d 'When to colour output: auto (only on a terminal, and not when NO_COLOR is set; CLICOLOR_FORCE forces it), always, never' -r -f -a "auto\t''
always\t''
never\t''"
complete -c dcnc -n "__fish_dcnc_using_subcommand check" -l deny-warnings -d 'Treat warnings as errors'
complete -c dcnc -n "__fish_dcnc_using_subcommand check" -s h -l help -d 'Print help'
complete -c dcnc -n "__fish_dcnc_using_subcommand build" -s o -l out -d 'Output directory: dcnc replaces the files it wrote there and keeps any others' -r -F
complete -c dcnc -n "__fish_dcnc_using_subcommand build" -l target -d 'Compile for this release target instead of the spec\'s `target`' -r -f -a "wallaby\t''
ussuri-poc\t''
ussuri\t''
tht-18\t''
rhoso-18\t''"
complete -c dcnc -n "__fish_dcnc_using_subcommand build" -l message-format -d 'How to print diagnostics and results: human (diagnostics on stderr), short (one `file:line:col: severity[CODE]: message` line each, stderr), github (workflow commands that annotate a pull request, stdout), json (every stdout line a JSON object; see the book)' -r -f -a "human\t''
short\t''
github\t''
json\t''"
complete -c dcnc -n "__fish_dcnc_using_subcommand build" -l color -d 'When to colour output: auto (only on a terminal, and not when NO_COLOR is set; CLICOLOR_FORCE forces it), always, never' -r -f -a "auto\t''
always\t''
never\t''"
complete -c dcnc -n "__fish_dcnc_using_subcommand build" -l force -d 'Replace the output directory even if dcnc did not write it'
complete -c dcnc -n "__fish_dcnc_using_subcommand build" -l check -d 'Write nothing; exit 1 if the output directory differs from what would be written'
complete -c dcnc -n "__fish_dcnc_using_subcommand build" -l deny-warnings -d 'Treat warnings as errors'
complete -c dcnc -n "__fish_dcnc_using_subcommand build" -s h -l help -d 'Print help'
complete -c dcnc -n "__fish_dcnc_using_subcommand graph" -l format -d 'Output format' -r -f -a "dot\t'Graphviz DOT'
mermaid\t'A mermaid flowchart'
order\t'The numbered order of steps'"
complete -c dcnc -n "__fish_dcnc_using_subcommand graph" -l target -d 'Compile for this release target instead of the spec\'s `target`' -r -f -a "wallaby\t''
ussuri-poc\t''
ussuri\t''
tht-18\t''
rhoso-18\t''"
complete -c dcnc -n "__fish_dcnc_using_subcommand graph" -l message-format -d 'How to print diagnostics and results: human (diagnostics on stderr), short (one `file:line:col: severity[CODE]: message` line each, stderr), github (workflow commands that annotate a pull request, stdout), json (every stdout line a JSON object; see the book)' -r -f -a "human\t''
short\t''
github\t''
json\t''"
complete -c dcnc -n "__fish_dcnc_using_subcommand graph" -l color -d 'When to colour output: auto (only on a terminal, and not when NO_COLOR is set; CLICOLOR_FORCE forces it), always, never' -r -f -a "auto\t''
always\t''
never\t''"
complete -c dcnc -n "__fish_dcnc_using_subcommand graph" -l deny-warnings -d 'Treat warnings as errors'
complete -c dcnc -n "__fish_dcnc_using_subcommand graph" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c dcnc -n "__fish_dcnc_using_subcommand plan" -l format -d 'Output format' -r -f -a "human\t''
json\t''"
complete -c dcnc -n "__fish_dcnc_using_subcommand plan" -l target -d 'Compile for this release target instead of the spec\'s `target`' -r -f -a "wallaby\t''
ussuri-poc\t''
ussuri\t''
tht-18\t''
rhoso-18\t''"
complete -c dcnc -n "__fish_dcnc_using_subcommand plan" -l message-format -d 'How to print diagnostics and results: human (diagnostics on stderr), short (one `file:line:col: severity[CODE]: message` line each, stderr), github (workflow commands that annotate a pull request, stdout), json (every stdout line a JSON object; see the book)' -r -f -a "human\t''
short\t''
github\t''
json\t''"
complete -c dcnc -n "__fish_dcnc_using_subcommand plan" -l color -d 'When to colour output: auto (only on a terminal, and not when NO_COLOR is set; CLICOLOR_FORCE forces it), always, never' -r -f -a "auto\t''
always\t''
never\t''"
complete -c dcnc -n "__fish_dcnc_using_subcommand plan" -l deny-warnings -d 'Treat warnings as errors'
complete -c dcnc -n "__fish_dcnc_using_subcommand plan" -s h -l help -d 'Print help'
complete -c dcnc -n "__fish_dcnc_using_subcommand targets" -l format -d 'Output format' -r -f -a "human\t''
json\t''"
complete -c dcnc -n "__fish_dcnc_using_subcommand targets" -l message-format -d 'How to print diagnostics and results: human (diagnostics on stderr), short (one `file:line:col: severity[CODE]: message` line each, stderr), github (workflow commands that annotate a pull request, stdout), json (every stdout line a JSON object; see the book)' -r -f -a "human\t''
short\t''
github\t''
json\t''"
complete -c dcnc -n "__fish_dcnc_using_subcommand targets" -l color -d 'When to colour output: auto (only on a terminal, and not when NO_COLOR is set; CLICOLOR_FORCE forces it), always, never' -r -f -a "auto\t''
always\t''
never\t''"
complete -c dcnc -n "__fish_dcnc_using_subcommand targets" -s h -l help -d 'Print help'
complete -c dcnc -n "__fish_dcnc_using_subcommand schema" -l message-format -d 'How to print diagnostics and results: human (diagnostics on stderr), short (one `file:line:col: severity[CODE]: message` line each, stderr), github (workflow commands that annotate a pull request, stdout), json (every stdout line a JSON object; see the book)' -r -f -a "human\t''
short\t''
github\t''
json\t''"
complete -c dcnc -n "__fish_dcnc_using_subcommand schema" -l color -d 'When to colour output: auto (only on a terminal, and not when NO_COLOR is set; CLICOLOR_FORCE forces it), always, never' -r -f -a "auto\t''
always\t''
never\t''"
complete -c dcnc -n "__fish_dcnc_using_subcommand schema" -l messages -d 'Print the schema of a `--message-format json` line instead'
complete -c dcnc -n "__fish_dcnc_using_subcommand schema" -s h -l help -d 'Print help'
complete -c dcnc -n "__fish_dcnc_using_subcommand import" -s o -l out -d 'The spec to write' -r -F
complete -c dcnc -n "__fish_dcnc_using_subcommand import" -l target -d 'The release the deployment runs (default: inferred from its THT files)' -r -f -a "wallaby\t''
ussuri-poc\t''
ussuri\t''
tht-18\t''
rhoso-18\t''"
complete -c dcnc -n "__fish_dcnc_using_subcommand import" -l home -d 'The home directory DIR stands for on the undercloud (`~` in the scripts)' -r
complete -c dcnc -n "__fish_dcnc_using_subcommand import" -l against -d 'Compare the deployment with the build of SPEC (the imported spec as you fixed it) instead: print only that round trip, write nothing, exit 1 on a difference not marked on purpose' -r -F
complete -c dcnc -n "__fish_dcnc_using_subcommand import" -l message-format -d 'How to print diagnostics and results: human (diagnostics on stderr), short (one `file:line:col: severity[CODE]: message` line each, stderr), github (workflow commands that annotate a pull request, stdout), json (every stdout line a JSON object; see the book)' -r -f -a "human\t''
short\t''
github\t''
json\t''"
complete -c dcnc -n "__fish_dcnc_using_subcommand import" -l color -d 'When to colour output: auto (only on a terminal, and not when NO_COLOR is set; CLICOLOR_FORCE forces it), always, never' -r -f -a "auto\t''
always\t''
never\t''"
complete -c dcnc -n "__fish_dcnc_using_subcommand import" -l diff -d 'Also print, per stack, every parameter whose value dcnc\'s build would change'
complete -c dcnc -n "__fish_dcnc_using_subcommand import" -l force -d 'Replace the output file if it exists'
complete -c dcnc -n "__fish_dcnc_using_subcommand import" -s h -l help -d 'Print help'
complete -c dcnc -n "__fish_dcnc_using_subcommand explain" -l message-format -d 'How to print diagnostics and results: human (diagnostics on stderr), short (one `file:line:col: severity[CODE]: message` line each, stderr), github (workflow commands that annotate a pull request, stdout), json (every stdout line a JSON object; see the book)' -r -f -a "human\t''
short\t''
github\t''
json\t''"
complete -c dcnc -n "__fish_dcnc_using_subcommand explain" -l color -d 'When to colour output: auto (only on a terminal, and not when NO_COLOR is set; CLICOLOR_FORCE forces it), always, never' -r -f -a "auto\t''
always\t''
never\t''"
complete -c dcnc -n "__fish_dcnc_using_subcommand explain" -s h -l help -d 'Print help'
complete -c dcnc -n "__fish_dcnc_using_subcommand completions" -l message-format -d 'How to print diagnostics and results: human (diagnostics on stderr), short (one `file:line:col: severity[CODE]: message` line each, stderr), github (workflow commands that annotate a pull request, stdout), json (every stdout line a JSON object; see the book)' -r -f -a "human\t''
short\t''
github\t''
json\t''"
complete -c dcnc -n "__fish_dcnc_using_subcommand completions" -l color -d 'When to colour output: auto (only on a terminal, and not when NO_COLOR is set; CLICOLOR_FORCE forces it), always, never' -r -f -a "auto\t''
always\t''
never\t''"
complete -c dcnc -n "__fish_dcnc_using_subcommand completions" -s h -l help -d 'Print help'
complete -c dcnc -n "__fish_dcnc_using_subcommand man" -l message-format -d 'How to print diagnostics and results: human (diagnostics on stderr), short (one `file:line:col: severity[CODE]: message` line each, stderr), github (workflow commands that annotate a pull request, stdout), json (every stdout line a JSON object; see the book)' -r -f -a "human\t''
short\t''
github\t''
json\t''"
complete -c dcnc -n "__fish_dcnc_using_subcommand man" -l color -d 'When to colour output: auto (only on a terminal, and not when NO_COLOR is set; CLICOLOR_FORCE forces it), always, never' -r -f -a "auto\t''
always\t''
never\t''"
complete -c dcnc -n "__fish_dcnc_using_subcommand man" -s h -l help -d 'Print help'
complete -c dcnc -n "__fish_dcnc_using_subcommand docs" -l message-format -d 'How to print diagnostics and results: human (diagnostics on stderr), short (one `file:line:col: severity[CODE]: message` line each, stderr), github (workflow commands that annotate a pull request, stdout), json (every stdout line a JSON object; see the book)' -r -f -a "human\t''
short\t''
github\t''
json\t''"
complete -c dcnc -n "__fish_dcnc_using_subcommand docs" -l color -d 'When to colour output: auto (only on a terminal, and not when NO_COLOR is set; CLICOLOR_FORCE forces it), always, never' -r -f -a "auto\t''
always\t''
never\t''"
complete -c dcnc -n "__fish_dcnc_using_subcommand docs" -s h -l help -d 'Print help'
complete -c dcnc -n "__fish_dcnc_using_subcommand help; and not __fish_seen_subcommand_from init check build graph plan targets schema import explain completions man docs help" -f -a "init" -d 'Start a config repository: a commented dcn.yaml to fill in, its schema, a .gitignore'
complete -c dcnc -n "__fish_dcnc_using_subcommand help; and not __fish_seen_subcommand_from init check build graph plan targets schema import explain completions man docs help" -f -a "check" -d 'Check a spec and report every problem found'
complete -c dcnc -n "__fish_dcnc_using_subcommand help; and not __fish_seen_subcommand_from init check build graph plan targets schema import explain completions man docs help" -f -a "build" -d 'Check a spec and write the complete output tree'
complete -c dcnc -n "__fish_dcnc_using_subcommand help; and not __fish_seen_subcommand_from init check build graph plan targets schema import explain completions man docs help" -f -a "graph" -d 'Print the deployment\'s step graph'
complete -c dcnc -n "__fish_dcnc_using_subcommand help; and not __fish_seen_subcommand_from init check build graph plan targets schema import explain completions man docs help" -f -a "plan" -d 'List the steps to run again to go from one spec to another, in order, and why'
complete -c dcnc -n "__fish_dcnc_using_subcommand help; and not __fish_seen_subcommand_from init check build graph plan targets schema import explain completions man docs help" -f -a "targets" -d 'Print the release targets and what each one uses of tripleo-heat-templates'
complete -c dcnc -n "__fish_dcnc_using_subcommand help; and not __fish_seen_subcommand_from init check build graph plan targets schema import explain completions man docs help" -f -a "schema" -d 'Print the JSON schema of the spec'
complete -c dcnc -n "__fish_dcnc_using_subcommand help; and not __fish_seen_subcommand_from init check build graph plan targets schema import explain completions man docs help" -f -a "import" -d 'Write the spec of an existing TripleO DCN deployment (its deploy scripts and env files)'
complete -c dcnc -n "__fish_dcnc_using_subcommand help; and not __fish_seen_subcommand_from init check build graph plan targets schema import explain completions man docs help" -f -a "explain" -d 'Explain a diagnostic code, e.g. `dcnc explain DCN010`, or list them all'
complete -c dcnc -n "__fish_dcnc_using_subcommand help; and not __fish_seen_subcommand_from init check build graph plan targets schema import explain completions man docs help" -f -a "completions" -d 'Print the shell completion script for SHELL'
complete -c dcnc -n "__fish_dcnc_using_subcommand help; and not __fish_seen_subcommand_from init check build graph plan targets schema import explain completions man docs help" -f -a "man" -d 'Print the man page of dcnc, or write the pages of dcnc and every command into DIR'
complete -c dcnc -n "__fish_dcnc_using_subcommand help; and not __fish_seen_subcommand_from init check build graph plan targets schema import explain completions man docs help" -f -a "docs" -d 'Write the book\'s generated reference pages into DIR'
complete -c dcnc -n "__fish_dcnc_using_subcommand help; and not __fish_seen_subcommand_from init check build graph plan targets schema import explain completions man docs help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
