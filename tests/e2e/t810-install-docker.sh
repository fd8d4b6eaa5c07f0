#!/bin/bash
# make install and uninstall into a DESTDIR; the compose file is valid and
# the Dockerfile's build steps work (no Docker engine runs here, so its RUN
# lines are run on this machine instead, installing into a DESTDIR).
. "$(dirname "$0")/lib.sh"
ROOT=$(cd "$(dirname "$0")/../.." && pwd)

test_expect_success 'make install puts programs, pages and completions under DESTDIR' '
	make -s -C "$ROOT" install DESTDIR="$PWD/root" PREFIX=/usr/local BIN="$KQ_BIN" O="${KQ_O:-$ROOT/build}" >log 2>&1 &&
	for p in $(cd "$KQ_BIN" && ls kq-*); do
		test -x "root/usr/local/bin/$p" &&
		test -f "root/usr/local/share/man/man1/$p.1" &&
		test -e "root/usr/local/share/bash-completion/completions/$p" &&
		test -f "root/usr/local/share/fish/vendor_completions.d/$p.fish" || exit 1
	done &&
	test -f root/usr/local/share/man/man7/kq.7 &&
	test -f root/usr/local/share/zsh/vendor-completions/_kq
'

test_expect_success 'an installed program runs from there' '
	root/usr/local/bin/kq-count </dev/null >n && test "$(cat n)" = 0 &&
	root/usr/local/bin/kq-pub --version | grep -q "^kq-pub "
'

test_expect_success 'make uninstall removes exactly what install put' '
	make -s -C "$ROOT" uninstall DESTDIR="$PWD/root" PREFIX=/usr/local BIN="$KQ_BIN" O="${KQ_O:-$ROOT/build}" >log 2>&1 &&
	test -z "$(find root -type f -o -type l)"
'

test_expect_success 'docker-compose.yml is valid and sets what the course needs' '
	docker-compose -f "$ROOT/docker-compose.yml" config >cfg 2>err &&
	grep -q "image: apache/kafka:[0-9]" cfg &&
	grep -q "KQ_BROKERS: kafka:29092" cfg &&
	grep -q "condition: service_healthy" cfg &&
	grep -q "KAFKA_PROCESS_ROLES: broker,controller" cfg
'

test_expect_success 'the Kafka of the tests is the compose file'"'"'s, with its settings' '
	# tests/kafka runs the image'"'"'s version from Maven Central with the
	# same settings, so the suite on Kafka proves the compose set-up too.
	v=$(sed -n "s:.*<kafka.version>\(.*\)</kafka.version>.*:\1:p" \
		"$ROOT/tests/kafka/pom.xml") &&
	grep -q "image: apache/kafka:$v\$" "$ROOT/docker-compose.yml" &&
	for e in PROCESS_ROLES INTER_BROKER_LISTENER_NAME CONTROLLER_LISTENER_NAMES \
		GROUP_INITIAL_REBALANCE_DELAY_MS NUM_PARTITIONS; do
		val=$(sed -n "s/^ *KAFKA_$e: //p" "$ROOT/docker-compose.yml") &&
		prop=$(echo "$e" | tr "A-Z_" "a-z.") &&
		grep -qx "$prop=$val" "$ROOT/tests/kafka/server.properties" ||
			{ echo "$prop differs from KAFKA_$e: $val" >&2; exit 1; }
	done
'

test_expect_success 'the Dockerfile build steps work on this machine' '
	git -C "$ROOT" ls-files -z | (cd "$ROOT" && xargs -0 tar cf -) | (mkdir src && cd src && tar xf -) &&
	grep "^RUN " "$ROOT/Dockerfile" | sed "s/^RUN //" >steps &&
	test -s steps &&
	(
		cd src &&
		export DESTDIR="$OLDPWD/image"
		while read -r step; do
			case $step in
			*apt-get*) [ "$(id -u)" -eq 0 ] || continue ;;
			esac
			sh -c "$step" >>"$OLDPWD/build.log" 2>&1 || { cat "$OLDPWD/build.log"; exit 1; }
		done <"$OLDPWD/steps"
	) &&
	image/usr/local/bin/kq-jsonsplit <"$KQ_DATA/github_events.json" | wc -l >n &&
	test "$(cat n)" -eq 30
'

test_done
