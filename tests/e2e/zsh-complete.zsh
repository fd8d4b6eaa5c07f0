#!/bin/zsh -f
# Print the completions zsh offers for a command line, one per line:
#   zsh -f tests/e2e/zsh-complete.zsh COMPLETIONS_DIR 'kq-pub --to'
# It drives an interactive zsh on a pseudo-terminal (zsh/zpty) whose
# compadd prints the matches it is given instead of inserting them.
zmodload zsh/zpty || exit 2
dir=$1
line=$2
zpty z zsh -f -i
zpty -w z "PS1=''; PROMPT=''; RPROMPT=''; unsetopt zle_bracketed_paste 2>/dev/null"
zpty -w z "fpath=(${(q)dir} \$fpath); autoload -U compinit; compinit -u -D"
zpty -w z 'compadd() {
	if (( ${@[(I)-[OAD]]} )); then builtin compadd "$@"; return; fi
	local -a __m
	builtin compadd -O __m "$@"
	(( $#__m )) && print -rl -- ${^__m/#/MATCH:}
	builtin compadd "$@"
}'
zpty -w z "bindkey '^I' complete-word"
zpty -w z "print READY"
zpty -r z out '*READY*' || exit 3
zpty -r z out '*READY*' || exit 3
zpty -w -n z "$line"$'\t'
out=
for i in {1..30}; do
	sleep 0.1
	while zpty -rt z chunk; do out+=$chunk; done
done
print -r -- "$out" | tr -d '\r' | sed -n 's/^.*MATCH://p' | sort -u
zpty -d z
