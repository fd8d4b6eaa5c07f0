#!/bin/sh
# Make the bash, zsh and fish completions from the programs' own option
# tables (`PROG --help=options`), so they never drift from the programs.
# Usage: scripts/completions.sh BINDIR OUTDIR
set -eu
bin=$1
out=$2
tables=$(mktemp)
trap 'rm -f "$tables"' EXIT

progs=""
for p in "$bin"/kq-*; do
	name=$(basename "$p")
	progs="$progs $name"
	"$p" --help=options | sed "s/^/$name	/" >>"$tables"
done
progs=${progs# }

# Each line of $tables: prog, name, letter, arg, argname, values, help.
# Values are words ("0 1 all"), @topic or @group (live from the broker named
# by -b on the line, else the usual discovery) or @file; the operands' may be
# "FIRST|REST": the first operand from FIRST, the others from REST (kq-topic:
# a command, then topics).

awk -F '\t' -v progs="$progs" '
function q(s) { gsub(/'\''/, "'\''\\'\'''\''", s); return s }
BEGIN {
	print "# bash completion for kq. Made by scripts/completions.sh from the"
	print "# option tables of the programs: do not edit, run make completions."
	print ""
	print "# The topics (kq-topic) or groups (kq-group) of the broker that -b on"
	print "# the line names, else as usual."
	print "_kq_live() {"
	print "\tlocal b= line=${COMP_LINE:-${COMP_WORDS[*]}}"
	print "\tlocal re=\"(^|[[:space:]])(-b|--brokers|--bootstrap-server)[=[:space:]]*([^[:space:]]+)\""
	print "\t[[ $line =~ $re ]] && b=${BASH_REMATCH[3]}"
	print "\t$1 ${b:+-b \"$b\"} list --timeout 1s 2>/dev/null | cut -f1"
	print "}"
	print ""
	print "_kq_values() {"
	print "\tcase $1 in"
	print "\t@topic) COMPREPLY=($(compgen -W \"$(_kq_live kq-topic)\" -- \"$cur\")) ;;"
	print "\t@group) COMPREPLY=($(compgen -W \"$(_kq_live kq-group)\" -- \"$cur\")) ;;"
	print "\t@file) compopt -o filenames 2>/dev/null"
	print "\t\tCOMPREPLY=($(compgen -f -- \"$cur\")) ;;"
	print "\t*) COMPREPLY=($(compgen -W \"$1\" -- \"$cur\")) ;;"
	print "\tesac"
	print "}"
	print ""
	print "_kq() {"
	print "\tlocal cur=${COMP_WORDS[COMP_CWORD]} prev= i w n=0"
	print "\t[ \"$COMP_CWORD\" -gt 0 ] && prev=${COMP_WORDS[COMP_CWORD-1]}"
	print "\t# --topic=VALUE: bash makes \"=\" a word of its own."
	print "\tif [ \"$cur\" = = ]; then"
	print "\t\tcur="
	print "\telif [ \"$prev\" = = ] && [ \"$COMP_CWORD\" -gt 1 ]; then"
	print "\t\tprev=${COMP_WORDS[COMP_CWORD-2]}"
	print "\tfi"
	print "\tlocal opts argopts operands"
	print "\tCOMPREPLY=()"
	print "\tcase ${COMP_WORDS[0]##*/} in"
}
$1 != prog {
	if (prog != "") finish()
	prog = $1; opts = ""; argopts = ""; cases = ""; operands = ""
}
$2 == "@operands" { operands = $6; next }
{
	words = "--" $2
	if ($3 != "") words = words " -" $3
	opts = opts " " words
	if ($4 == "required") {
		argopts = argopts " " words
		pat = "--" $2 ($3 != "" ? "|-" $3 : "")
		val = $6 == "" ? "" : $6
		cases = cases "\t\t" pat ") _kq_values '\''" q(val) "'\''; return ;;\n"
	}
}
function finish() {
	print "\t" prog ")"
	print "\t\topts='\''" substr(opts, 2) "'\''"
	print "\t\targopts='\''" substr(argopts, 2) "'\''"
	print "\t\toperands='\''" q(operands) "'\''"
	if (cases != "") {
		print "\t\tcase $prev in"
		printf "%s", cases
		print "\t\tesac"
	}
	print "\t\t;;"
}
END {
	finish()
	print "\tesac"
	print "\tif [[ $cur == -* ]]; then"
	print "\t\tCOMPREPLY=($(compgen -W \"$opts\" -- \"$cur\"))"
	print "\telif [ -n \"$operands\" ]; then"
	print "\t\t# How many operands stand before this one."
	print "\t\tfor ((i = 1; i < COMP_CWORD; i++)); do"
	print "\t\t\tw=${COMP_WORDS[i]}"
	print "\t\t\tcase $w in -* | =) continue ;; esac"
	print "\t\t\t[ \"${COMP_WORDS[i-1]}\" = = ] && continue"
	print "\t\t\t[[ \" $argopts \" == *\" ${COMP_WORDS[i-1]} \"* ]] && continue"
	print "\t\t\tn=$((n + 1))"
	print "\t\tdone"
	print "\t\tcase $operands in"
	print "\t\t*\\|*) [ $n -eq 0 ] && _kq_values \"${operands%%|*}\" ||"
	print "\t\t\t_kq_values \"${operands#*|}\" ;;"
	print "\t\t*) _kq_values \"$operands\" ;;"
	print "\t\tesac"
	print "\tfi"
	print "}"
	print ""
	print "complete -F _kq " progs
}' "$tables" >"$out/kq.bash"

awk -F '\t' -v progs="$progs" '
function z(s) { gsub(/[\[\]:\\]/, "\\\\&", s); gsub(/'\''/, "'\''\\'\'''\''", s); return s }
function action(v) {
	if (v == "@topic") return "_kq_topics"
	if (v == "@group") return "_kq_groups"
	if (v == "@file") return "_files"
	if (v == "") return " "
	return "(" v ")"
}
BEGIN {
	print "#compdef " progs
	print "# zsh completion for kq. Made by scripts/completions.sh from the"
	print "# option tables of the programs: do not edit, run make completions."
	print ""
	print "# The topics (kq-topic) or groups (kq-group) of the broker that -b on"
	print "# the line names, else as usual."
	print "_kq_live() {"
	print "\tlocal -a topics b"
	print "\tlocal i"
	print "\tfor ((i = 2; i < CURRENT; i++)); do"
	print "\t\tcase $words[i] in"
	print "\t\t(-b|--brokers|--bootstrap-server) b=(-b $words[i+1]) ;;"
	print "\t\t(--brokers=*|--bootstrap-server=*) b=(-b ${words[i]#*=}) ;;"
	print "\t\t(-b?*) b=(-b ${words[i]#-b}) ;;"
	print "\t\tesac"
	print "\tdone"
	print "\ttopics=(${(f)\"$($1 $b list --timeout 1s 2>/dev/null | cut -f1)\"})"
	print "\tcompadd -a topics"
	print "}"
	print "_kq_topics() { _kq_live kq-topic }"
	print "_kq_groups() { _kq_live kq-group }"
	print ""
	print "local -a args"
	print "case $service in"
}
$1 != prog {
	if (prog != "") finish()
	prog = $1; n = 0; operands = ""
}
$2 == "@operands" { operands = $6; next }
{
	help = z($7)
	if ($4 == "none") {
		spec = "[" help "]"
		if ($3 != "") line = "'\''*'\''{-" $3 ",--" $2 "}'\''" spec "'\''"
		else line = "'\''*--" $2 spec "'\''"
	} else {
		sep = $4 == "optional" ? "=-" : "="
		spec = "[" help "]:" z($5 == "" ? "value" : $5) ":" action($6)
		if ($3 != "") line = "'\''*'\''{-" $3 ($4 == "optional" ? "-" : "+") ",--" $2 sep "}'\''" spec "'\''"
		else line = "'\''*--" $2 sep spec "'\''"
	}
	args[++n] = line
}
function finish() {
	print prog ")"
	print "\targs=("
	for (i = 1; i <= n; i++) print "\t\t" args[i]
	if (operands ~ /\|/) {
		split(operands, o, "|")
		print "\t\t'\''1:command:" action(o[1]) "'\''"
		print "\t\t'\''*:operand:" action(o[2]) "'\''"
	} else if (operands != "") {
		print "\t\t'\''*:operand:" action(operands) "'\''"
	}
	print "\t)"
	print "\t;;"
}
END {
	finish()
	print "esac"
	print "_arguments -s -S $args"
}' "$tables" >"$out/_kq"

awk -F '\t' '
function f(s) { gsub(/\\/, "\\\\", s); gsub(/'\''/, "\\'\''", s); return s }
BEGIN {
	print "# fish completion for kq. Made by scripts/completions.sh from the"
	print "# option tables of the programs: do not edit, run make completions."
	print ""
	print "# The topics (kq-topic) or groups (kq-group) of the broker that -b on"
	print "# the line names, else as usual."
	print "function __kq_live"
	print "\tset -l b"
	print "\tset -l toks (commandline -opc)"
	print "\tfor i in (seq (count $toks))"
	print "\t\tswitch $toks[$i]"
	print "\t\tcase -b --brokers --bootstrap-server"
	print "\t\t\ttest $i -lt (count $toks); and set b -b $toks[(math $i + 1)]"
	print "\t\tcase \"--brokers=*\" \"--bootstrap-server=*\""
	print "\t\t\tset b -b (string replace -r \"^[^=]*=\" \"\" -- $toks[$i])"
	print "\t\tcase \"-b?*\""
	print "\t\t\tset b -b (string sub -s 3 -- $toks[$i])"
	print "\t\tend"
	print "\tend"
	print "\t$argv[1] $b list --timeout 1s 2>/dev/null | cut -f1"
	print "end"
	print "function __kq_topics; __kq_live kq-topic; end"
	print "function __kq_groups; __kq_live kq-group; end"
	print ""
}
function operands(prog, v, cond) {
	if (v == "@topic") print "complete -c " prog cond " -f -a '\''(__kq_topics)'\''"
	else if (v == "@group") print "complete -c " prog cond " -f -a '\''(__kq_groups)'\''"
	else if (v != "@file" && v != "") print "complete -c " prog cond " -f -a '\''" f(v) "'\''"
}
$2 == "@operands" {
	if ($6 ~ /\|/) {
		split($6, o, "|")
		operands($1, o[1], " -n __fish_use_subcommand")
		operands($1, o[2], " -n '\''not __fish_use_subcommand'\''")
	} else if ($6 == "@topic" || $6 == "@group") {
		operands($1, $6, "")
	} else {
		operands($1, $6, " -n __fish_use_subcommand")
	}
	next
}
{
	line = "complete -c " $1
	if ($3 != "") line = line " -s " $3
	line = line " -l " $2
	if ($4 != "none") {
		line = line " -r"
		if ($6 == "@topic") line = line " -f -a '\''(__kq_topics)'\''"
		else if ($6 == "@group") line = line " -f -a '\''(__kq_groups)'\''"
		else if ($6 == "@file") line = line " -F"
		else if ($6 != "") line = line " -f -a '\''" f($6) "'\''"
		else line = line " -f"
	}
	print line " -d '\''" f($7) "'\''"
}' "$tables" >"$out/kq.fish"
