# bash completion for kq. Made by scripts/completions.sh from the
# option tables of the programs: do not edit, run make completions.

# The topics (kq-topic) or groups (kq-group) of the broker that -b on
# the line names, else as usual.
_kq_live() {
	local b= line=${COMP_LINE:-${COMP_WORDS[*]}}
	local re="(^|[[:space:]])(-b|--brokers|--bootstrap-server)[=[:space:]]*([^[:space:]]+)"
	[[ $line =~ $re ]] && b=${BASH_REMATCH[3]}
	$1 ${b:+-b "$b"} list --timeout 1s 2>/dev/null | cut -f1
}

_kq_values() {
	case $1 in
	@topic) COMPREPLY=($(compgen -W "$(_kq_live kq-topic)" -- "$cur")) ;;
	@group) COMPREPLY=($(compgen -W "$(_kq_live kq-group)" -- "$cur")) ;;
	@file) compopt -o filenames 2>/dev/null
		COMPREPLY=($(compgen -f -- "$cur")) ;;
	*) COMPREPLY=($(compgen -W "$1" -- "$cur")) ;;
	esac
}

_kq() {
	local cur=${COMP_WORDS[COMP_CWORD]} prev= i w n=0
	[ "$COMP_CWORD" -gt 0 ] && prev=${COMP_WORDS[COMP_CWORD-1]}
	# --topic=VALUE: bash makes "=" a word of its own.
	if [ "$cur" = = ]; then
		cur=
	elif [ "$prev" = = ] && [ "$COMP_CWORD" -gt 1 ]; then
		prev=${COMP_WORDS[COMP_CWORD-2]}
	fi
	local opts argopts operands
	COMPREPLY=()
	case ${COMP_WORDS[0]##*/} in
	kq-broker)
		opts='--listen -l --data-dir -d --topic -t --config -c --partitions -p --no-auto-create --fsync --max-connections --max-connections-per-ip --idle-timeout --request-timeout --max-request-size --max-memory --daemon --pidfile --stop --help -h --version -V --quiet -q --verbose -v'
		argopts='--listen -l --data-dir -d --topic -t --config -c --partitions -p --fsync --max-connections --max-connections-per-ip --idle-timeout --request-timeout --max-request-size --max-memory --pidfile'
		operands=''
		case $prev in
		--listen|-l) _kq_values ''; return ;;
		--data-dir|-d) _kq_values '@file'; return ;;
		--topic|-t) _kq_values ''; return ;;
		--config|-c) _kq_values ''; return ;;
		--partitions|-p) _kq_values ''; return ;;
		--fsync) _kq_values 'always interval never'; return ;;
		--max-connections) _kq_values ''; return ;;
		--max-connections-per-ip) _kq_values ''; return ;;
		--idle-timeout) _kq_values ''; return ;;
		--request-timeout) _kq_values ''; return ;;
		--max-request-size) _kq_values ''; return ;;
		--max-memory) _kq_values ''; return ;;
		--pidfile) _kq_values '@file'; return ;;
		esac
		;;
	kq-count)
		opts='--topic -t --partition -p --group -g --exact --delimiter -D --null -0 --envelopes -J --bytes -c --every --json --brokers -b --bootstrap-server -b --property -X --config -F --timeout --help -h --version -V --quiet -q --verbose -v'
		argopts='--topic -t --partition -p --group -g --delimiter -D --every --brokers -b --bootstrap-server -b --property -X --config -F --timeout'
		operands='@file'
		case $prev in
		--topic|-t) _kq_values '@topic'; return ;;
		--partition|-p) _kq_values ''; return ;;
		--group|-g) _kq_values '@group'; return ;;
		--delimiter|-D) _kq_values ''; return ;;
		--every) _kq_values ''; return ;;
		--brokers|-b) _kq_values ''; return ;;
		--bootstrap-server|-b) _kq_values ''; return ;;
		--property|-X) _kq_values ''; return ;;
		--config|-F) _kq_values '@file'; return ;;
		--timeout) _kq_values ''; return ;;
		esac
		;;
	kq-group)
		opts='--group -g --json --members --offsets --topic -t --all-topics --to --shift --execute --dry-run --reset-offsets --delete-offsets --to-earliest --to-latest --to-offset --to-datetime --shift-by --list --describe --delete --command-config --brokers -b --bootstrap-server -b --property -X --config -F --timeout --help -h --version -V --quiet -q --verbose -v'
		argopts='--group -g --topic -t --to --shift --to-offset --to-datetime --shift-by --command-config --brokers -b --bootstrap-server -b --property -X --config -F --timeout'
		operands='list describe reset delete|@group'
		case $prev in
		--group|-g) _kq_values '@group'; return ;;
		--topic|-t) _kq_values '@topic'; return ;;
		--to) _kq_values 'earliest latest'; return ;;
		--shift) _kq_values ''; return ;;
		--to-offset) _kq_values ''; return ;;
		--to-datetime) _kq_values ''; return ;;
		--shift-by) _kq_values ''; return ;;
		--command-config) _kq_values '@file'; return ;;
		--brokers|-b) _kq_values ''; return ;;
		--bootstrap-server|-b) _kq_values ''; return ;;
		--property|-X) _kq_values ''; return ;;
		--config|-F) _kq_values '@file'; return ;;
		--timeout) _kq_values ''; return ;;
		esac
		;;
	kq-jsonsplit)
		opts='--raw-output -r --null -0 --compact-output -c --help -h --version -V --quiet -q --verbose -v'
		argopts=''
		operands='@file'
		;;
	kq-pub)
		opts='--topic -t --partition -p --key -k --key-delimiter -K --header -H --delimiter -D --null -0 --whole --empty --empty-null -Z --json -J --compression -z --acks --count -c --rate --tee -T --report --keep-going --atomic --brokers -b --bootstrap-server -b --property -X --config -F --timeout --help -h --version -V --quiet -q --verbose -v'
		argopts='--topic -t --partition -p --key -k --key-delimiter -K --header -H --delimiter -D --empty --compression -z --acks --count -c --rate --brokers -b --bootstrap-server -b --property -X --config -F --timeout'
		operands='@file'
		case $prev in
		--topic|-t) _kq_values '@topic'; return ;;
		--partition|-p) _kq_values ''; return ;;
		--key|-k) _kq_values ''; return ;;
		--key-delimiter|-K) _kq_values ''; return ;;
		--header|-H) _kq_values ''; return ;;
		--delimiter|-D) _kq_values ''; return ;;
		--empty) _kq_values 'send skip null'; return ;;
		--compression|-z) _kq_values 'gzip snappy lz4 zstd'; return ;;
		--acks) _kq_values '0 1 all'; return ;;
		--count|-c) _kq_values ''; return ;;
		--rate) _kq_values ''; return ;;
		--brokers|-b) _kq_values ''; return ;;
		--bootstrap-server|-b) _kq_values ''; return ;;
		--property|-X) _kq_values ''; return ;;
		--config|-F) _kq_values '@file'; return ;;
		--timeout) _kq_values ''; return ;;
		esac
		;;
	kq-sub)
		opts='--topic -t --partition -p --offset -o --from-beginning --group -g --fast --max-messages -c --exit -e --until --idle-timeout --delimiter -D --null -0 --key-delimiter -K --format -f --json -J --json-values --jq --raw-output -r --keep-going --show-null -Z --unbuffered -u --brokers -b --bootstrap-server -b --property -X --config -F --timeout --help -h --version -V --quiet -q --verbose -v'
		argopts='--topic -t --partition -p --offset -o --group -g --max-messages -c --until --idle-timeout --delimiter -D --key-delimiter -K --format -f --jq --brokers -b --bootstrap-server -b --property -X --config -F --timeout'
		operands=''
		case $prev in
		--topic|-t) _kq_values '@topic'; return ;;
		--partition|-p) _kq_values ''; return ;;
		--offset|-o) _kq_values 'beginning end stored'; return ;;
		--group|-g) _kq_values '@group'; return ;;
		--max-messages|-c) _kq_values ''; return ;;
		--until) _kq_values ''; return ;;
		--idle-timeout) _kq_values ''; return ;;
		--delimiter|-D) _kq_values ''; return ;;
		--key-delimiter|-K) _kq_values ''; return ;;
		--format|-f) _kq_values ''; return ;;
		--jq) _kq_values ''; return ;;
		--brokers|-b) _kq_values ''; return ;;
		--bootstrap-server|-b) _kq_values ''; return ;;
		--property|-X) _kq_values ''; return ;;
		--config|-F) _kq_values '@file'; return ;;
		--timeout) _kq_values ''; return ;;
		esac
		;;
	kq-topic)
		opts='--partitions -p --replication-factor -r --config -c --delete-config --if-not-exists --if-exists --all -a --offsets -o --json --configs --under-replicated-partitions --unavailable-partitions --topic -t --list --describe --create --delete --alter --exclude-internal --command-config -F --zookeeper --brokers -b --bootstrap-server -b --property -X --timeout --help -h --version -V --quiet -q --verbose -v'
		argopts='--partitions -p --replication-factor -r --config -c --delete-config --topic -t --command-config -F --zookeeper --brokers -b --bootstrap-server -b --property -X --timeout'
		operands='list describe create delete partitions configs alter brokers|@topic'
		case $prev in
		--partitions|-p) _kq_values ''; return ;;
		--replication-factor|-r) _kq_values ''; return ;;
		--config|-c) _kq_values ''; return ;;
		--delete-config) _kq_values ''; return ;;
		--topic|-t) _kq_values '@topic'; return ;;
		--command-config|-F) _kq_values '@file'; return ;;
		--zookeeper) _kq_values ''; return ;;
		--brokers|-b) _kq_values ''; return ;;
		--bootstrap-server|-b) _kq_values ''; return ;;
		--property|-X) _kq_values ''; return ;;
		--timeout) _kq_values ''; return ;;
		esac
		;;
	esac
	if [[ $cur == -* ]]; then
		COMPREPLY=($(compgen -W "$opts" -- "$cur"))
	elif [ -n "$operands" ]; then
		# How many operands stand before this one.
		for ((i = 1; i < COMP_CWORD; i++)); do
			w=${COMP_WORDS[i]}
			case $w in -* | =) continue ;; esac
			[ "${COMP_WORDS[i-1]}" = = ] && continue
			[[ " $argopts " == *" ${COMP_WORDS[i-1]} "* ]] && continue
			n=$((n + 1))
		done
		case $operands in
		*\|*) [ $n -eq 0 ] && _kq_values "${operands%%|*}" ||
			_kq_values "${operands#*|}" ;;
		*) _kq_values "$operands" ;;
		esac
	fi
}

complete -F _kq kq-broker kq-count kq-group kq-jsonsplit kq-pub kq-sub kq-topic
