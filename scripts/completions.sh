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

awk -F '\t' -v progs="$progs" '
function q(s) { gsub(/'\''/, "'\''\\'\'''\''", s); return s }
BEGIN {
	print "# bash completion for kq. Made by scripts/completions.sh from the"
	print "# option tables of the programs: do not edit, run make completions."
	print ""
	print "_kq_topics() {"
	print "\tkq-topic list --timeout 1s 2>/dev/null"
	print "}"
	print ""
	print "_kq_values() {"
	print "\tcase $1 in"
	print "\t@topic) COMPREPLY=($(compgen -W \"$(_kq_topics)\" -- \"$cur\")) ;;"
	print "\t@file) compopt -o filenames 2>/dev/null"
	print "\t\tCOMPREPLY=($(compgen -f -- \"$cur\")) ;;"
	print "\t*) COMPREPLY=($(compgen -W \"$1\" -- \"$cur\")) ;;"
	print "\tesac"
	print "}"
	print ""
	print "_kq() {"
	print "\tlocal cur=${COMP_WORDS[COMP_CWORD]} prev="
	print "\t[ \"$COMP_CWORD\" -gt 0 ] && prev=${COMP_WORDS[COMP_CWORD-1]}"
	print "\tlocal opts operands"
	print "\tCOMPREPLY=()"
	print "\tcase ${COMP_WORDS[0]##*/} in"
}
$1 != prog {
	if (prog != "") finish()
	prog = $1; opts = ""; cases = ""; operands = ""
}
$2 == "@operands" { operands = $6; next }
{
	words = "--" $2
	if ($3 != "") words = words " -" $3
	opts = opts " " words
	if ($4 == "required") {
		pat = "--" $2 ($3 != "" ? "|-" $3 : "")
		val = $6 == "" ? "" : $6
		cases = cases "\t\t" pat ") _kq_values '\''" q(val) "'\''; return ;;\n"
	}
}
function finish() {
	print "\t" prog ")"
	print "\t\topts='\''" substr(opts, 2) "'\''"
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
	print "\t\t_kq_values \"$operands\""
	print "\tfi"
	print "}"
	print ""
	print "complete -F _kq " progs
}' "$tables" >"$out/kq.bash"

awk -F '\t' -v progs="$progs" '
function z(s) { gsub(/[\[\]:\\]/, "\\\\&", s); gsub(/'\''/, "'\''\\'\'''\''", s); return s }
function action(v) {
	if (v == "@topic") return "_kq_topics"
	if (v == "@file") return "_files"
	if (v == "") return " "
	return "(" v ")"
}
BEGIN {
	print "#compdef " progs
	print "# zsh completion for kq. Made by scripts/completions.sh from the"
	print "# option tables of the programs: do not edit, run make completions."
	print ""
	print "_kq_topics() {"
	print "\tlocal -a topics"
	print "\ttopics=(${(f)\"$(kq-topic list --timeout 1s 2>/dev/null)\"})"
	print "\tcompadd -a topics"
	print "}"
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
	if (operands != "") print "\t\t'\''*:operand:" action(operands) "'\''"
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
	print "function __kq_topics"
	print "\tkq-topic list --timeout 1s 2>/dev/null"
	print "end"
	print ""
}
$2 == "@operands" {
	if ($6 == "@topic") print "complete -c " $1 " -a '\''(__kq_topics)'\''"
	else if ($6 != "@file") print "complete -c " $1 " -f -n __fish_use_subcommand -a '\''" f($6) "'\''"
	next
}
{
	line = "complete -c " $1
	if ($3 != "") line = line " -s " $3
	line = line " -l " $2
	if ($4 != "none") {
		line = line " -r"
		if ($6 == "@topic") line = line " -f -a '\''(__kq_topics)'\''"
		else if ($6 == "@file") line = line " -F"
		else if ($6 != "") line = line " -f -a '\''" f($6) "'\''"
		else line = line " -f"
	}
	print line " -d '\''" f($7) "'\''"
}' "$tables" >"$out/kq.fish"
